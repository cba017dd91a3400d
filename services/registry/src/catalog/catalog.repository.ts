import type { CatalogEntry, CatalogEntryInput, ListCatalogQuery } from './catalog-entry.schema';
import type { Queryable } from '../http/registry-db';

interface CatalogRow {
  id: string;
  name: string;
  slug: string;
  title: string | null;
  description: string;
  version: string;
  tags: string[];
  kind: 'remote' | 'local';
  server: CatalogEntry['server'];
  user_config: CatalogEntry['userConfig'];
  new_tools_need_approval: boolean;
  metadata: Record<string, unknown>;
  created_at: Date;
  updated_at: Date;
  created_by: string;
  updated_by: string;
}

const COLUMNS = `id, name, slug, title, description, version, tags, kind, server, user_config, new_tools_need_approval,
  metadata, created_at, updated_at, created_by, updated_by`;

export const toCatalogEntry = (row: CatalogRow): CatalogEntry => ({
  id: row.id,
  name: row.name,
  slug: row.slug,
  title: row.title,
  description: row.description,
  version: row.version,
  tags: row.tags,
  kind: row.kind,
  newToolsNeedApproval: row.new_tools_need_approval,
  userConfig: row.user_config,
  server: row.server,
  metadata: row.metadata,
  createdAt: row.created_at.toISOString(),
  updatedAt: row.updated_at.toISOString(),
  createdBy: row.created_by,
  updatedBy: row.updated_by,
});

const likePattern = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** Catalog entries in Postgres; every statement is scoped to one organisation. */
export const catalogRepository = {
  async find(db: Queryable, organizationId: string, id: string): Promise<CatalogEntry | undefined> {
    const rows = await db.query<CatalogRow>(
      `SELECT ${COLUMNS} FROM catalog_entries WHERE organization_id = $1 AND id = $2`,
      [organizationId, id],
    );
    return rows[0] && toCatalogEntry(rows[0]);
  },

  async findByName(db: Queryable, organizationId: string, name: string): Promise<CatalogEntry | undefined> {
    const rows = await db.query<CatalogRow>(
      `SELECT ${COLUMNS} FROM catalog_entries WHERE organization_id = $1 AND name = $2 FOR UPDATE`,
      [organizationId, name],
    );
    return rows[0] && toCatalogEntry(rows[0]);
  },

  /** Rows in id order after `after`, one more than `limit` (the page builder's look-ahead). */
  async list(
    db: Queryable,
    organizationId: string,
    query: ListCatalogQuery,
    after: string | undefined,
  ): Promise<CatalogRow[]> {
    const where = ['organization_id = $1'];
    const params: unknown[] = [organizationId];
    const add = (clause: (n: string) => string, value: unknown) => {
      params.push(value);
      where.push(clause(`$${params.length}`));
    };
    if (after) add((p) => `id > ${p}`, after);
    if (query.kind) add((p) => `kind = ${p}`, query.kind);
    if (query.tag && query.tag.length > 0) add((p) => `tags @> ${p}::text[]`, query.tag);
    if (query.q) add((p) => `(name ILIKE ${p} OR title ILIKE ${p} OR description ILIKE ${p})`, likePattern(query.q));
    params.push(query.limit + 1);
    return db.query<CatalogRow>(
      `SELECT ${COLUMNS} FROM catalog_entries WHERE ${where.join(' AND ')} ORDER BY id LIMIT $${params.length}`,
      params,
    );
  },

  async insert(
    db: Queryable,
    organizationId: string,
    id: string,
    slug: string,
    input: CatalogEntryInput,
    actor: string,
  ): Promise<CatalogEntry> {
    const rows = await db.query<CatalogRow>(
      `INSERT INTO catalog_entries (id, organization_id, name, slug, title, description, version, tags, kind, server,
         user_config, new_tools_need_approval, metadata, created_by, updated_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14) RETURNING ${COLUMNS}`,
      [id, organizationId, ...valuesOf(slug, input), actor],
    );
    return toCatalogEntry(rows[0]);
  },

  async update(
    db: Queryable,
    organizationId: string,
    id: string,
    slug: string,
    input: CatalogEntryInput,
    actor: string,
  ): Promise<CatalogEntry | undefined> {
    const rows = await db.query<CatalogRow>(
      `UPDATE catalog_entries SET name = $3, slug = $4, title = $5, description = $6, version = $7, tags = $8,
         kind = $9, server = $10, user_config = $11, new_tools_need_approval = $12, metadata = $13, updated_by = $14,
         updated_at = now()
       WHERE organization_id = $1 AND id = $2 RETURNING ${COLUMNS}`,
      [organizationId, id, ...valuesOf(slug, input), actor],
    );
    return rows[0] && toCatalogEntry(rows[0]);
  },

  async delete(db: Queryable, organizationId: string, id: string): Promise<CatalogEntry | undefined> {
    const rows = await db.query<CatalogRow>(
      `DELETE FROM catalog_entries WHERE organization_id = $1 AND id = $2 RETURNING ${COLUMNS}`,
      [organizationId, id],
    );
    return rows[0] && toCatalogEntry(rows[0]);
  },

  async slugTaken(db: Queryable, organizationId: string, slug: string, exceptId?: string): Promise<boolean> {
    const rows = await db.query<{ id: string }>(
      'SELECT id FROM catalog_entries WHERE organization_id = $1 AND slug = $2 AND id IS DISTINCT FROM $3',
      [organizationId, slug, exceptId ?? null],
    );
    return rows.length > 0;
  },
};

const valuesOf = (slug: string, input: CatalogEntryInput) => [
  input.name,
  slug,
  input.title ?? null,
  input.description,
  input.version,
  input.tags,
  input.server.kind,
  JSON.stringify(input.server),
  JSON.stringify(input.userConfig),
  input.newToolsNeedApproval,
  JSON.stringify(input.metadata),
];
