import type { Queryable } from '../http/registry-db';
import { dataPathServerIds } from '../resolve/data-path-server-ids';
import type { Gateway, GatewayAccess } from './gateway.schema';

export interface GatewayRow {
  id: string;
  organization_id: string;
  slug: string;
  name: string;
  description: string;
  prefix_mode: Gateway['prefixMode'];
  untrusted_context: boolean;
  access: 'organization' | 'restricted';
  created_at: Date;
  updated_at: Date;
  created_by: string;
  updated_by: string;
}

export interface AssignedServerRow {
  gateway_id: string;
  installation_id: string;
  position: number;
  tools: string[] | null;
  catalog_entry_id: string;
  entry_slug: string;
  status: string;
}

export const GATEWAY_COLUMNS = `id, organization_id, slug, name, description, prefix_mode, untrusted_context, access,
  created_at, updated_at, created_by, updated_by`;

/** Gateways in Postgres; every statement is scoped to one organisation. */
export const gatewaysRepository = {
  async find(db: Queryable, organizationId: string, id: string, lock = false): Promise<GatewayRow | undefined> {
    const rows = await db.query<GatewayRow>(
      `SELECT ${GATEWAY_COLUMNS} FROM gateways WHERE organization_id = $1 AND id = $2${lock ? ' FOR UPDATE' : ''}`,
      [organizationId, id],
    );
    return rows[0];
  },

  async findBySlug(db: Queryable, organizationId: string, slug: string): Promise<GatewayRow | undefined> {
    const rows = await db.query<GatewayRow>(
      `SELECT ${GATEWAY_COLUMNS} FROM gateways WHERE organization_id = $1 AND slug = $2`,
      [organizationId, slug],
    );
    return rows[0];
  },

  /** Assigned installations of the gateways, in position order, with their entry's slug and status. */
  async servers(db: Queryable, gatewayIds: readonly string[]): Promise<Map<string, AssignedServerRow[]>> {
    const result = new Map<string, AssignedServerRow[]>(gatewayIds.map((id) => [id, []]));
    if (gatewayIds.length === 0) return result;
    const rows = await db.query<AssignedServerRow>(
      `SELECT gs.gateway_id, gs.installation_id, gs.position, gs.tools, i.catalog_entry_id, e.slug AS entry_slug,
              i.status
         FROM gateway_servers gs
         JOIN installations i ON i.id = gs.installation_id
         JOIN catalog_entries e ON e.id = i.catalog_entry_id
        WHERE gs.gateway_id = ANY($1)
        ORDER BY gs.gateway_id, gs.position, gs.installation_id`,
      [gatewayIds],
    );
    for (const row of rows) result.get(row.gateway_id)?.push(row);
    return result;
  },

  async access(
    db: Queryable,
    gatewayIds: readonly string[],
  ): Promise<Map<string, { users: string[]; teams: string[] }>> {
    const result = new Map(gatewayIds.map((id) => [id, { users: [] as string[], teams: [] as string[] }]));
    if (gatewayIds.length === 0) return result;
    const rows = await db.query<{ gateway_id: string; user_id: string | null; team_id: string | null }>(
      `SELECT gateway_id, user_id, team_id FROM gateway_access WHERE gateway_id = ANY($1)
        ORDER BY gateway_id, user_id, team_id`,
      [gatewayIds],
    );
    for (const row of rows) {
      const entry = result.get(row.gateway_id);
      if (row.user_id) entry?.users.push(row.user_id);
      if (row.team_id) entry?.teams.push(row.team_id);
    }
    return result;
  },

  async replaceServers(
    db: Queryable,
    gatewayId: string,
    servers: readonly { installationId: string; tools: string[] | null }[],
  ): Promise<void> {
    await db.query('DELETE FROM gateway_servers WHERE gateway_id = $1', [gatewayId]);
    for (const [position, server] of servers.entries()) {
      await db.query(
        'INSERT INTO gateway_servers (gateway_id, installation_id, position, tools) VALUES ($1, $2, $3, $4)',
        [gatewayId, server.installationId, position, server.tools],
      );
    }
  },

  async replaceAccess(db: Queryable, gatewayId: string, access: GatewayAccess): Promise<void> {
    await db.query('DELETE FROM gateway_access WHERE gateway_id = $1', [gatewayId]);
    if (access.type !== 'restricted') return;
    for (const user of new Set(access.users)) {
      await db.query('INSERT INTO gateway_access (gateway_id, user_id) VALUES ($1, $2)', [gatewayId, user]);
    }
    for (const team of new Set(access.teams)) {
      await db.query('INSERT INTO gateway_access (gateway_id, team_id) VALUES ($1, $2)', [gatewayId, team]);
    }
  },

  async managed(db: Queryable, ids: readonly string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = await db.query<{ row_id: string }>(
      `SELECT row_id FROM gitops_objects WHERE kind = 'gateway' AND row_id = ANY($1)`,
      [ids],
    );
    return new Set(rows.map((r) => r.row_id));
  },
};

/** Rows as the API shows them. */
export async function gatewayViews(db: Queryable, rows: readonly GatewayRow[]): Promise<Gateway[]> {
  const ids = rows.map((r) => r.id);
  // One after the other: inside a transaction they share one connection.
  const servers = await gatewaysRepository.servers(db, ids);
  const access = await gatewaysRepository.access(db, ids);
  const managed = await gatewaysRepository.managed(db, ids);
  return rows.map((row) => {
    const assigned = servers.get(row.id) ?? [];
    const serverIds = dataPathServerIds(
      assigned.map((s) => ({ installationId: s.installation_id, entrySlug: s.entry_slug })),
    );
    const listed = access.get(row.id) ?? { users: [], teams: [] };
    return {
      id: row.id,
      slug: row.slug,
      name: row.name,
      description: row.description,
      prefixMode: row.prefix_mode,
      untrustedContext: row.untrusted_context,
      access: row.access === 'restricted' ? { type: 'restricted', ...listed } : { type: 'organization' },
      servers: assigned.map((s, i) => ({
        installationId: s.installation_id,
        catalogEntryId: s.catalog_entry_id,
        serverId: serverIds[i],
        tools: s.tools,
        installationStatus: s.status,
      })),
      managedBy: managed.has(row.id) ? 'gitops' : null,
      createdAt: row.created_at.toISOString(),
      updatedAt: row.updated_at.toISOString(),
      createdBy: row.created_by,
      updatedBy: row.updated_by,
    };
  });
}
