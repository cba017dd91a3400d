import type { InstallationStatus } from '../installations/installation.schema';
import type { RequestRow } from '../workflow/request-rows';
import type { InstallationRequest } from './request.schema';

/** A stored request as the API shows it: credential names only, and its installation once approval created it. */
export function toRequestView(
  row: RequestRow,
  credentialNames: string[],
  installation: { id: string; status: string; status_reason: string | null } | undefined,
): InstallationRequest {
  return {
    id: row.id,
    status: row.status,
    catalogEntryId: row.catalog_entry_id,
    serverName: row.server_name,
    customServer: row.custom_entry,
    scope: row.scope,
    subjectId: row.subject_id,
    configuration: row.configuration,
    credentialNames,
    gatewayIds: row.gateway_ids,
    note: row.note,
    requestedBy: row.requested_by,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    remindAt: row.remind_at.toISOString(),
    remindedAt: row.reminded_at?.toISOString() ?? null,
    expiresAt: row.expires_at.toISOString(),
    decidedBy: row.decided_by,
    decidedAt: row.decided_at?.toISOString() ?? null,
    decisionReason: row.decision_reason,
    installation: installation
      ? {
          id: installation.id,
          status: installation.status as InstallationStatus,
          statusReason: installation.status_reason,
        }
      : null,
  };
}
