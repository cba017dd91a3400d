import * as z from 'zod';

/**
 * An authenticated caller as the gateway hands it to the registry: who (actor), for which organisation (tenant: the
 * organisation's slug, as in every event envelope), with which roles and resolved permissions, by which credential.
 */
export const registryCallerSchema = z.object({
  /** User id, `token:<id>` for organisation/team tokens, `admin` for the bootstrap admin token. */
  actor: z.string().min(1).max(200),
  tenant: z.string().min(1).max(100),
  roles: z.array(z.string()),
  permissions: z.array(z.string()),
  credential: z.object({ type: z.enum(['admin', 'session', 'token']), id: z.string().min(1).max(200) }),
});
export type RegistryCallerMessage = z.infer<typeof registryCallerSchema>;
