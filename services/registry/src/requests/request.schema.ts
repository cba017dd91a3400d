import { z } from 'zod';
import { catalogEntryInput } from '../catalog/catalog-entry.schema';
import { paginationQuery } from '../http/pagination';
import { configValue, installationScope, installationStatus } from '../installations/installation.schema';

export const requestStatus = z.enum(['pending', 'approved', 'declined', 'expired']);
export type RequestStatus = z.infer<typeof requestStatus>;

const key = z.string().min(1).max(100);

export const createRequestBody = z
  .strictObject({
    /** The catalog entry to install; or `customServer` for a server the catalog does not have yet. */
    catalogEntryId: z.uuid().optional(),
    /** A server described in full (remote URL or local command); approving it also adds it to the catalog. */
    customServer: catalogEntryInput.optional(),
    /** Who the installation is for; `user` without subjectId means the requester. */
    scope: installationScope.default('organization'),
    subjectId: z.uuid().optional(),
    /** Values of the server's non-secret user-config fields. */
    configuration: z.record(key, configValue).default({}),
    /** Values of its secret fields; stored encrypted at once, never returned. */
    credentials: z.record(key, z.string().min(1).max(16_384)).default({}),
    /** Gateways that serve the installation once it is ready. */
    gatewayIds: z.array(z.uuid()).max(50).default([]),
    /** Why the requester needs it, for the approver. */
    note: z.string().max(2000).optional(),
  })
  .superRefine((body, ctx) => {
    if ((body.catalogEntryId === undefined) === (body.customServer === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['catalogEntryId'],
        message: 'give exactly one of catalogEntryId and customServer',
      });
    }
    if (new Set(body.gatewayIds).size !== body.gatewayIds.length) {
      ctx.addIssue({ code: 'custom', path: ['gatewayIds'], message: 'must not repeat a gateway' });
    }
  });
export type CreateRequestBody = z.infer<typeof createRequestBody>;

export const approveRequestBody = z.strictObject({
  /** Shown with the decision. */
  note: z.string().max(2000).optional(),
});
export type ApproveRequestBody = z.infer<typeof approveRequestBody>;

export const declineRequestBody = z.strictObject({
  reason: z.string().trim().min(1).max(2000),
});
export type DeclineRequestBody = z.infer<typeof declineRequestBody>;

export const installationRequest = z.object({
  id: z.uuid(),
  status: requestStatus,
  /** The catalog entry (for a custom request: the one approval created; `null` before). */
  catalogEntryId: z.uuid().nullable(),
  serverName: z.string(),
  /** The custom server as requested; `null` for catalog requests. */
  customServer: z.record(z.string(), z.unknown()).nullable(),
  scope: installationScope,
  subjectId: z.uuid(),
  configuration: z.record(z.string(), configValue),
  /** Names of the credentials sent with the request; values are never returned. */
  credentialNames: z.array(z.string()),
  gatewayIds: z.array(z.uuid()),
  note: z.string().nullable(),
  requestedBy: z.string(),
  createdAt: z.iso.datetime({ offset: true }),
  updatedAt: z.iso.datetime({ offset: true }),
  remindAt: z.iso.datetime({ offset: true }),
  remindedAt: z.iso.datetime({ offset: true }).nullable(),
  expiresAt: z.iso.datetime({ offset: true }),
  decidedBy: z.string().nullable(),
  decidedAt: z.iso.datetime({ offset: true }).nullable(),
  /** The approver's note, the reason of a decline, or why the request expired. */
  decisionReason: z.string().nullable(),
  /** The installation approval created, with its deployment status; `null` until approved. */
  installation: z.object({ id: z.uuid(), status: installationStatus, statusReason: z.string().nullable() }).nullable(),
});
export type InstallationRequest = z.infer<typeof installationRequest>;

export const listRequestsQuery = paginationQuery.extend({
  status: requestStatus.optional(),
  catalogEntryId: z.uuid().optional(),
  requestedBy: z.string().min(1).max(200).optional(),
});
export type ListRequestsQuery = z.infer<typeof listRequestsQuery>;
