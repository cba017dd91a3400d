import type { ConfigValue } from '../installations/installation.schema';
import type { Queryable } from '../http/registry-db';

/** An installation request as stored (shared by the REST service and the workflow steps). */
export interface RequestRow {
  id: string;
  organization_id: string;
  organization_slug: string;
  installation_id: string;
  catalog_entry_id: string | null;
  custom_entry: Record<string, unknown> | null;
  server_name: string;
  scope: 'organization' | 'team' | 'user';
  subject_id: string;
  configuration: Record<string, ConfigValue>;
  gateway_ids: string[];
  note: string | null;
  status: 'pending' | 'approved' | 'declined' | 'expired';
  requested_by: string;
  remind_at: Date;
  expires_at: Date;
  notified_at: Date | null;
  reminded_at: Date | null;
  decided_by: string | null;
  decided_at: Date | null;
  decision_reason: string | null;
  created_at: Date;
  updated_at: Date;
}

export const REQUEST_COLUMNS = `r.id, r.organization_id, o.slug AS organization_slug, r.installation_id,
  r.catalog_entry_id, r.custom_entry, r.server_name, r.scope, r.subject_id, r.configuration, r.gateway_ids, r.note,
  r.status, r.requested_by, r.remind_at, r.expires_at, r.notified_at, r.reminded_at, r.decided_by, r.decided_at,
  r.decision_reason, r.created_at, r.updated_at`;

export const REQUEST_FROM = 'installation_requests r JOIN organizations o ON o.id = r.organization_id';

/** One request by id (any organisation: workflow jobs carry only the id), optionally locked for a state change. */
export async function findRequest(db: Queryable, id: string, lock = false): Promise<RequestRow | undefined> {
  const rows = await db.query<RequestRow>(
    `SELECT ${REQUEST_COLUMNS} FROM ${REQUEST_FROM} WHERE r.id = $1${lock ? ' FOR UPDATE OF r' : ''}`,
    [id],
  );
  return rows[0];
}

/** The data every request event carries. */
export const requestEventData = (row: RequestRow) => ({
  requestId: row.id,
  installationId: row.installation_id,
  catalogEntryId: row.catalog_entry_id,
  serverName: row.server_name,
  custom: row.custom_entry !== null,
  scope: row.scope,
  subjectId: row.subject_id,
  gatewayIds: row.gateway_ids,
  requestedBy: row.requested_by,
});
