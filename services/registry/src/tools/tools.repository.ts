import type { DiscoveredTool } from '@portcullis/contracts';
import type { Queryable } from '../http/registry-db';
import { toolDefinitionHash } from './tool-hash';
import type { InstallationTool, ToolStatus } from './tool.schema';

interface ToolRow {
  name: string;
  definition: DiscoveredTool;
  hash: string;
  approved_hash: string | null;
  status: ToolStatus;
  approved_by: string | null;
  approved_at: Date | null;
  discovered_at: Date;
}

const objectOrNull = (value: unknown) =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;

export const toInstallationTool = (row: ToolRow): InstallationTool => ({
  name: row.name,
  title: typeof row.definition.title === 'string' ? row.definition.title : null,
  description: row.definition.description ?? null,
  inputSchema: row.definition.inputSchema,
  outputSchema: objectOrNull(row.definition.outputSchema),
  annotations: objectOrNull(row.definition.annotations),
  hash: row.hash,
  approvedHash: row.approved_hash,
  status: row.status,
  approvedBy: row.approved_by,
  approvedAt: row.approved_at?.toISOString() ?? null,
  discoveredAt: row.discovered_at.toISOString(),
});

/** The stored tool definitions of installations; every statement is scoped to one organisation. */
export const toolsRepository = {
  /**
   * Stores what an approved deploy discovered as the approved pins: each tool's definition and hash, approved by
   * whoever approved the installation, and marks the installation pinned. Tools the server no longer lists are
   * removed. Idempotent.
   */
  async pinApproved(
    tx: Queryable,
    organizationId: string,
    installationId: string,
    tools: readonly DiscoveredTool[],
    approvedBy: string,
  ): Promise<{ name: string; hash: string }[]> {
    const pinned = tools.map((tool) => ({ tool, hash: toolDefinitionHash(tool) }));
    await tx.query('DELETE FROM installation_tools WHERE organization_id = $1 AND installation_id = $2', [
      organizationId,
      installationId,
    ]);
    for (const { tool, hash } of pinned) {
      await tx.query(
        `INSERT INTO installation_tools (organization_id, installation_id, name, definition, hash, approved_hash,
           status, approved_by, approved_at)
         VALUES ($1, $2, $3, $4, $5, $5, 'approved', $6, now())`,
        [organizationId, installationId, tool.name, JSON.stringify(tool), hash, approvedBy],
      );
    }
    await tx.query(
      `INSERT INTO tool_pinning (installation_id, organization_id, source) VALUES ($1, $2, 'approval')
         ON CONFLICT (installation_id) DO UPDATE SET source = 'approval', pinned_at = now()`,
      [installationId, organizationId],
    );
    return pinned.map(({ tool, hash }) => ({ name: tool.name, hash }));
  },

  async list(
    db: Queryable,
    organizationId: string,
    installationId: string,
    options: { after?: string; status?: ToolStatus; limit: number },
  ): Promise<ToolRow[]> {
    const params: unknown[] = [organizationId, installationId];
    const where = ['organization_id = $1', 'installation_id = $2'];
    if (options.after !== undefined) {
      params.push(options.after);
      where.push(`name > $${params.length}`);
    }
    if (options.status) {
      params.push(options.status);
      where.push(`status = $${params.length}`);
    }
    params.push(options.limit + 1);
    return db.query<ToolRow>(
      `SELECT name, definition, hash, approved_hash, status, approved_by, approved_at, discovered_at
         FROM installation_tools WHERE ${where.join(' AND ')} ORDER BY name COLLATE "C" LIMIT $${params.length}`,
      params,
    );
  },
};
