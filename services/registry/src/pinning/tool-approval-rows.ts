import type { DiscoveredTool } from '@portcullis/contracts';
import type { Queryable } from '../http/registry-db';
import type { ToolApproval, ToolApprovalStatus } from './tool-approval.schema';

export interface ToolApprovalRow {
  id: string;
  organization_id: string;
  organization_slug: string;
  installation_id: string;
  catalog_entry_id: string;
  server_name: string;
  tool_name: string;
  kind: 'changed' | 'added';
  definition: DiscoveredTool;
  hash: string;
  previous_definition: DiscoveredTool | null;
  approved_hash: string | null;
  status: ToolApprovalStatus;
  decided_by: string | null;
  decided_at: Date | null;
  decision_reason: string | null;
  created_at: Date;
}

export const TOOL_APPROVAL_COLUMNS = `r.id, r.organization_id, o.slug AS organization_slug, r.installation_id,
  i.catalog_entry_id, e.name AS server_name, r.tool_name, r.kind, r.definition, r.hash, r.previous_definition,
  r.approved_hash, r.status, r.decided_by, r.decided_at, r.decision_reason, r.created_at`;
export const TOOL_APPROVAL_FROM = `tool_approval_requests r
  JOIN organizations o ON o.id = r.organization_id
  JOIN installations i ON i.id = r.installation_id
  JOIN catalog_entries e ON e.id = i.catalog_entry_id`;

const objectOrNull = (value: unknown) =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;

const definitionView = (tool: DiscoveredTool) => ({
  title: typeof tool.title === 'string' ? tool.title : null,
  description: typeof tool.description === 'string' ? tool.description : null,
  inputSchema: objectOrNull(tool.inputSchema) ?? {},
  outputSchema: objectOrNull(tool.outputSchema),
  annotations: objectOrNull(tool.annotations),
});

export const toToolApproval = (row: ToolApprovalRow): ToolApproval => ({
  id: row.id,
  installationId: row.installation_id,
  catalogEntryId: row.catalog_entry_id,
  serverName: row.server_name,
  tool: row.tool_name,
  kind: row.kind,
  status: row.status,
  hash: row.hash,
  approvedHash: row.approved_hash,
  definition: definitionView(row.definition),
  previousDefinition: row.previous_definition ? definitionView(row.previous_definition) : null,
  createdAt: row.created_at.toISOString(),
  decidedBy: row.decided_by,
  decidedAt: row.decided_at?.toISOString() ?? null,
  decisionReason: row.decision_reason,
});

/** One request of an organisation, optionally locked for a decision. */
export async function findToolApproval(
  db: Queryable,
  organizationId: string,
  id: string,
  lock = false,
): Promise<ToolApprovalRow | undefined> {
  const rows = await db.query<ToolApprovalRow>(
    `SELECT ${TOOL_APPROVAL_COLUMNS} FROM ${TOOL_APPROVAL_FROM} WHERE r.organization_id = $1 AND r.id = $2
      ${lock ? 'FOR UPDATE OF r' : ''}`,
    [organizationId, id],
  );
  return rows[0];
}
