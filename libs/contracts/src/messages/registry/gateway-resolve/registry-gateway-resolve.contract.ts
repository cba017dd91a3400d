import * as z from 'zod';
import { defineRequest } from '../../../contract/define-contract';
import { gatewayIdSchema, serverIdSchema, toolPrefixModeSchema } from '../../../gitops/portcullis-file';
import { registryCallerSchema } from '../caller';

/** One server of a resolved gateway as the data path names it (no runtime, no credentials: the gateway needs none). */
export const resolvedGatewayServerSchema = z.object({
  /** Short, `_`-free id: the `server` of `server__tool` and of `/v1/mcp/{gateway}/servers/{server}`. */
  id: serverIdSchema,
  name: z.string(),
  description: z.string().optional(),
  installationId: z.uuid(),
  /** The tools this gateway serves of it; null = every tool. */
  tools: z.array(z.string()).nullable(),
});
export type ResolvedGatewayServer = z.infer<typeof resolvedGatewayServerSchema>;

export const resolvedGatewaySchema = z.object({
  /** The gateway's UUID: what sessions and the orchestrator key on. */
  id: z.uuid(),
  slug: gatewayIdSchema,
  name: z.string(),
  description: z.string().optional(),
  /** The owning organisation's slug. */
  organization: z.string(),
  prefixMode: toolPrefixModeSchema,
  untrustedContext: z.boolean(),
  servers: z.array(resolvedGatewayServerSchema),
});
export type ResolvedGateway = z.infer<typeof resolvedGatewaySchema>;

/**
 * `registry.v1.gateway.resolve`: the gateway's data path asks which gateway `/v1/mcp/{gateway}` means for a caller
 * (by UUID, or by slug within the caller's organisation) and whether the caller may use it. A gateway of another
 * organisation is `found: false`, exactly like one that does not exist.
 */
export const registryGatewayResolve = defineRequest({
  subject: 'registry.v1.gateway.resolve',
  description: "Resolve a gateway by id or slug for a caller: its servers' data-path view and whether it may be used.",
  request: z
    .object({
      gateway: z.string().min(1).max(100),
      caller: registryCallerSchema,
    })
    .strict(),
  response: z.discriminatedUnion('found', [
    z.object({ found: z.literal(false) }),
    z.object({
      found: z.literal(true),
      gateway: resolvedGatewaySchema,
      allowed: z.boolean(),
      /** Why `allowed` is false: the missing permission, or that the caller is not on the access list. */
      reason: z.string().optional(),
    }),
  ]),
});
