import { z } from 'zod';
import { gatewayIdSchema, toolPrefixModeSchema } from '@portcullis/contracts';
import { paginationQuery } from '../http/pagination';

const UUID_LIKE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The URL segment of `/v1/mcp/{slug}`; never UUID-shaped, since a UUID there means the gateway's id. */
export const gatewaySlug = gatewayIdSchema.refine((slug) => !UUID_LIKE.test(slug), 'must not look like a UUID');

/** Who may use a gateway: everyone in the organisation (with `gateways:use`), or the listed users and teams. */
export const gatewayAccess = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('organization') }),
  z.strictObject({
    type: z.literal('restricted'),
    users: z.array(z.uuid()).max(1000).default([]),
    teams: z.array(z.uuid()).max(1000).default([]),
  }),
]);
export type GatewayAccess = z.infer<typeof gatewayAccess>;

const toolName = z.string().min(1).max(128);

/** An installation the gateway serves; order in the list is the order of the aggregated view. */
export const gatewayServerInput = z.strictObject({
  installationId: z.uuid(),
  /** Only these tools of the server are served; absent or null: every (approved) tool. */
  tools: z.array(toolName).max(1000).nullable().default(null),
});

const assigned = z
  .array(gatewayServerInput)
  .max(200)
  .superRefine((servers, ctx) => {
    const seen = new Set<string>();
    servers.forEach((s, i) => {
      if (seen.has(s.installationId))
        ctx.addIssue({ code: 'custom', path: [i, 'installationId'], message: 'is assigned twice' });
      seen.add(s.installationId);
    });
  });

export const createGatewayBody = z.strictObject({
  name: z.string().min(1).max(200),
  /** Derived from the name when absent. */
  slug: gatewaySlug.optional(),
  description: z.string().max(2000).default(''),
  prefixMode: toolPrefixModeSchema.default('always'),
  /** Its clients feed untrusted content into the model's context (for the guard's lethal-trifecta policy). */
  untrustedContext: z.boolean().default(false),
  access: gatewayAccess.default({ type: 'organization' }),
  servers: assigned.default([]),
});
export type CreateGatewayBody = z.infer<typeof createGatewayBody>;

/** Fields to change; `servers` and `access`, when given, replace the current ones. */
export const updateGatewayBody = z.strictObject({
  name: z.string().min(1).max(200).optional(),
  slug: gatewaySlug.optional(),
  description: z.string().max(2000).optional(),
  prefixMode: toolPrefixModeSchema.optional(),
  untrustedContext: z.boolean().optional(),
  access: gatewayAccess.optional(),
  servers: assigned.optional(),
});
export type UpdateGatewayBody = z.infer<typeof updateGatewayBody>;

export const gatewayServer = z.object({
  installationId: z.uuid(),
  catalogEntryId: z.uuid(),
  /** The server's id on the data path: `server__tool` names and `/v1/mcp/{gateway}/servers/{serverId}`. */
  serverId: z.string(),
  tools: z.array(z.string()).nullable(),
  /** Installations are served only once `ready`. */
  installationStatus: z.string(),
});

export const gateway = z.object({
  id: z.uuid(),
  slug: z.string(),
  name: z.string(),
  description: z.string(),
  prefixMode: toolPrefixModeSchema,
  untrustedContext: z.boolean(),
  access: z.discriminatedUnion('type', [
    z.object({ type: z.literal('organization') }),
    z.object({ type: z.literal('restricted'), users: z.array(z.uuid()), teams: z.array(z.uuid()) }),
  ]),
  servers: z.array(gatewayServer),
  /** `gitops` when portcullis.yaml manages it: API changes last until the file's declaration of it changes. */
  managedBy: z.enum(['gitops']).nullable(),
  createdAt: z.iso.datetime({ offset: true }),
  updatedAt: z.iso.datetime({ offset: true }),
  createdBy: z.string(),
  updatedBy: z.string(),
});
export type Gateway = z.infer<typeof gateway>;

export const listGatewaysQuery = paginationQuery.extend({
  /** Case-insensitive text in the name, slug or description. */
  q: z.string().min(1).max(200).optional(),
  /** Gateways serving this installation. */
  installationId: z.uuid().optional(),
});
export type ListGatewaysQuery = z.infer<typeof listGatewaysQuery>;
