import { z } from 'zod';
import { paginationQuery } from '../http/pagination';

export const installationScope = z.enum(['organization', 'team', 'user']);
export const installationStatus = z.enum(['requested', 'approved', 'deploying', 'ready', 'failed', 'declined']);
export type InstallationStatus = z.infer<typeof installationStatus>;

const key = z.string().min(1).max(100);
export const configValue = z.union([
  z.string().max(4000),
  z.number(),
  z.boolean(),
  z.array(z.union([z.string().max(4000), z.number(), z.boolean()])).max(100),
]);
export type ConfigValue = z.infer<typeof configValue>;
const credentialValue = z.string().min(1).max(16_384);

export const createInstallationBody = z.strictObject({
  catalogEntryId: z.uuid(),
  /** Who the installation is for; `organization` (default) means everyone in it. */
  scope: installationScope.default('organization'),
  /** The team or user id; for `organization`, omitted or the organisation's own id. */
  subjectId: z.uuid().optional(),
  /** Values of the entry's non-secret user-config fields. */
  configuration: z.record(key, configValue).default({}),
  /** Values of the entry's secret fields; stored encrypted, never returned. */
  credentials: z.record(key, credentialValue).default({}),
});
export type CreateInstallationBody = z.infer<typeof createInstallationBody>;

export const updateInstallationBody = z.strictObject({
  /** Values to set; `null` removes one. Other values stay. */
  configuration: z.record(key, configValue.nullable()).optional(),
  /** Credentials to set; `null` removes one. Other credentials stay. */
  credentials: z.record(key, credentialValue.nullable()).optional(),
});
export type UpdateInstallationBody = z.infer<typeof updateInstallationBody>;

export const installation = z.object({
  id: z.uuid(),
  catalogEntryId: z.uuid(),
  scope: installationScope,
  subjectId: z.uuid(),
  status: installationStatus,
  statusReason: z.string().nullable(),
  configuration: z.record(z.string(), configValue),
  /** One per secret field of the entry (and any other stored credential): whether it is set, never its value. */
  credentials: z.record(z.string(), z.object({ set: z.boolean(), updatedAt: z.string().nullable() })),
  createdAt: z.iso.datetime({ offset: true }),
  updatedAt: z.iso.datetime({ offset: true }),
  createdBy: z.string(),
  updatedBy: z.string(),
});
export type Installation = z.infer<typeof installation>;

export const listInstallationsQuery = paginationQuery.extend({
  catalogEntryId: z.uuid().optional(),
  scope: installationScope.optional(),
  subjectId: z.uuid().optional(),
  status: installationStatus.optional(),
});
export type ListInstallationsQuery = z.infer<typeof listInstallationsQuery>;
