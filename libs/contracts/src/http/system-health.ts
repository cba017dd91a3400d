import * as z from 'zod';

/** Status of one dependency of a service (NATS, Postgres, Redis). */
export const dependencyStatusSchema = z.enum(['up', 'down']);

/** What one service says about itself on `/ready` and on the bus. */
export const serviceStatusSchema = z.object({
  name: z.string(),
  status: z.enum(['ready', 'not_ready', 'unreachable']),
  version: z.string().optional(),
  instanceId: z.string().optional(),
  uptimeSeconds: z.number().nonnegative().optional(),
  checks: z.record(z.string(), dependencyStatusSchema),
});
export type ServiceStatus = z.infer<typeof serviceStatusSchema>;

/** `GET /api/v1/system/health` on the gateway: the platform as the console shows it. */
export const systemHealthSchema = z.object({
  status: z.enum(['ready', 'degraded']),
  checkedAt: z.iso.datetime(),
  services: z.array(serviceStatusSchema),
});
export type SystemHealth = z.infer<typeof systemHealthSchema>;

/** `GET /api/v1/auth/me` on the gateway: who the bearer token belongs to. */
export const whoAmISchema = z.object({
  actor: z.string(),
  tenant: z.string(),
  roles: z.array(z.string()),
});
export type WhoAmI = z.infer<typeof whoAmISchema>;
