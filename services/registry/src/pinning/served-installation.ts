import type { Queryable } from '../http/registry-db';
import { dataPathServerIds } from '../resolve/data-path-server-ids';

/** The installation behind a gateway's data-path server id, with what pinning needs of it. */
export interface ServedInstallation {
  installationId: string;
  organizationId: string;
  organizationSlug: string;
  catalogEntryId: string;
  newToolsNeedApproval: boolean;
}

interface Row {
  installation_id: string;
  entry_slug: string;
  organization_id: string;
  organization_slug: string;
  catalog_entry_id: string;
  new_tools_need_approval: boolean;
}

/**
 * Finds the installation a gateway serves under `serverId`. Ids are computed over every assignment of the gateway,
 * in the same order as the resolver computes them, so the orchestrator's server id names the same installation.
 */
export async function servedInstallation(
  db: Queryable,
  gatewayId: string,
  serverId: string,
): Promise<ServedInstallation | undefined> {
  const rows = await db.query<Row>(
    `SELECT gs.installation_id, e.slug AS entry_slug, i.organization_id, o.slug AS organization_slug,
            i.catalog_entry_id, e.new_tools_need_approval
       FROM gateway_servers gs
       JOIN gateways g ON g.id = gs.gateway_id
       JOIN installations i ON i.id = gs.installation_id AND i.organization_id = g.organization_id
       JOIN catalog_entries e ON e.id = i.catalog_entry_id
       JOIN organizations o ON o.id = i.organization_id
      WHERE gs.gateway_id = $1
      ORDER BY gs.position, gs.installation_id`,
    [gatewayId],
  );
  const ids = dataPathServerIds(rows.map((r) => ({ installationId: r.installation_id, entrySlug: r.entry_slug })));
  const row = rows[ids.indexOf(serverId)];
  return row
    ? {
        installationId: row.installation_id,
        organizationId: row.organization_id,
        organizationSlug: row.organization_slug,
        catalogEntryId: row.catalog_entry_id,
        newToolsNeedApproval: row.new_tools_need_approval,
      }
    : undefined;
}
