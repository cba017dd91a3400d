import { BadRequestException, Injectable, NotFoundException } from '@nestjs/common';
import { installationCreated, installationDeleted, installationUpdated } from '@portcullis/contracts';
import { v7 as uuidv7 } from 'uuid';
import { catalogRepository } from '../catalog/catalog.repository';
import { decodeCursor, type Page, pageOf } from '../http/pagination';
import { conflictOn, type Queryable, RegistryDb } from '../http/registry-db';
import { RegistryEvents } from '../http/registry-events';
import type { RegistryCaller } from '../http/require-permission';
import { type SecretOwner, SecretStore } from '../secrets/secret-store';
import { checkInstallationValues } from './installation-values';
import type {
  ConfigValue,
  CreateInstallationBody,
  Installation,
  InstallationStatus,
  ListInstallationsQuery,
  UpdateInstallationBody,
} from './installation.schema';

interface InstallationRow {
  id: string;
  catalog_entry_id: string;
  scope: Installation['scope'];
  subject_id: string;
  status: InstallationStatus;
  status_reason: string | null;
  configuration: Record<string, ConfigValue>;
  created_at: Date;
  updated_at: Date;
  created_by: string;
  updated_by: string;
}

const COLUMNS = `id, catalog_entry_id, scope, subject_id, status, status_reason, configuration, created_at, updated_at,
  created_by, updated_by`;

const badBody = (field: string, message: string) =>
  new BadRequestException({ message: `Invalid body: ${field} ${message}`, errors: [{ field, message }] });
const notFound = (id: string) => new NotFoundException(`Installation ${id} does not exist.`);
const ownerOf = (organizationId: string, id: string): SecretOwner => ({
  organizationId,
  ownerType: 'installation',
  ownerId: id,
});

/** Catalog entries installed for the organisation, its teams or users, with configuration and encrypted credentials. */
@Injectable()
export class InstallationsService {
  constructor(
    private readonly db: RegistryDb,
    private readonly events: RegistryEvents,
    private readonly secrets: SecretStore,
  ) {}

  async list(caller: RegistryCaller, query: ListInstallationsQuery): Promise<Page<Installation>> {
    const where = ['organization_id = $1'];
    const params: unknown[] = [caller.tenant];
    const add = (column: string, value: unknown, op = '=') => {
      params.push(value);
      where.push(`${column} ${op} $${params.length}`);
    };
    const after = decodeCursor(query.cursor);
    if (after) add('id', after, '>');
    if (query.catalogEntryId) add('catalog_entry_id', query.catalogEntryId);
    if (query.scope) add('scope', query.scope);
    if (query.subjectId) add('subject_id', query.subjectId);
    if (query.status) add('status', query.status);
    params.push(query.limit + 1);
    const rows = await this.db.query<InstallationRow>(
      `SELECT ${COLUMNS} FROM installations WHERE ${where.join(' AND ')} ORDER BY id LIMIT $${params.length}`,
      params,
    );
    const page = pageOf(
      rows,
      query.limit,
      (row) => row.id,
      (row) => row,
    );
    return { items: await this.views(this.db, caller.tenant, page.items), nextCursor: page.nextCursor };
  }

  async get(caller: RegistryCaller, id: string): Promise<Installation> {
    const row = await this.find(this.db, caller.tenant, id);
    return (await this.views(this.db, caller.tenant, [row]))[0];
  }

  async create(caller: RegistryCaller, body: CreateInstallationBody): Promise<Installation> {
    const id = uuidv7();
    const view = await this.db.transaction(async (tx) => {
      const entry = await catalogRepository.find(tx, caller.tenant, body.catalogEntryId);
      if (!entry) throw badBody('body.catalogEntryId', 'is not a catalog entry of this organisation');
      const subjectId = await this.subjectOf(tx, caller.tenant, body.scope, body.subjectId);
      checkInstallationValues(entry.userConfig, body.configuration, Object.keys(body.credentials));
      await conflictOn(
        tx.query(
          `INSERT INTO installations (id, organization_id, catalog_entry_id, scope, subject_id, configuration,
             created_by, updated_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $7)`,
          [id, caller.tenant, entry.id, body.scope, subjectId, JSON.stringify(body.configuration), caller.actor],
        ),
        `This catalog entry is already installed for ${body.scope} ${subjectId}.`,
      );
      for (const [name, value] of Object.entries(body.credentials)) {
        await this.secrets.put(tx, ownerOf(caller.tenant, id), name, value);
      }
      return (await this.views(tx, caller.tenant, [await this.find(tx, caller.tenant, id)]))[0];
    });
    await this.events.emit(caller, installationCreated, eventData(view));
    return view;
  }

  async update(caller: RegistryCaller, id: string, body: UpdateInstallationBody): Promise<Installation> {
    const changed: string[] = [];
    const view = await this.db.transaction(async (tx) => {
      const row = await this.find(tx, caller.tenant, id, true);
      const entry = await catalogRepository.find(tx, caller.tenant, row.catalog_entry_id);
      if (!entry) throw notFound(id);
      const owner = ownerOf(caller.tenant, id);
      const configuration = { ...row.configuration };
      for (const [name, value] of Object.entries(body.configuration ?? {})) {
        if (value === null) delete configuration[name];
        else configuration[name] = value;
      }
      const stored = (await this.secrets.statuses(tx, caller.tenant, 'installation', [id])).get(id) ?? [];
      const credentialNames = new Set(stored.map((s) => s.name));
      const credentials = Object.entries(body.credentials ?? {});
      for (const [name, value] of credentials) {
        if (value === null) credentialNames.delete(name);
        else credentialNames.add(name);
      }
      // Credentials set now are checked by name; stored ones count towards required fields while still secret fields.
      const touched = credentials.filter(([, v]) => v !== null).map(([name]) => name);
      const secretFields = new Set(entry.userConfig.filter((f) => f.secret).map((f) => f.name));
      checkInstallationValues(
        entry.userConfig,
        configuration,
        [...credentialNames].filter((name) => touched.includes(name) || secretFields.has(name)),
      );
      if (body.configuration) {
        changed.push('configuration');
        await tx.query(
          `UPDATE installations SET configuration = $3, updated_by = $4, updated_at = now()
            WHERE organization_id = $1 AND id = $2`,
          [caller.tenant, id, JSON.stringify(configuration), caller.actor],
        );
      }
      if (body.credentials) {
        changed.push('credentials');
        for (const [name, value] of credentials) if (value !== null) await this.secrets.put(tx, owner, name, value);
        await this.secrets.remove(
          tx,
          owner,
          credentials.filter(([, v]) => v === null).map(([name]) => name),
        );
        await tx.query(
          'UPDATE installations SET updated_by = $3, updated_at = now() WHERE organization_id = $1 AND id = $2',
          [caller.tenant, id, caller.actor],
        );
      }
      return (await this.views(tx, caller.tenant, [await this.find(tx, caller.tenant, id)]))[0];
    });
    if (changed.length > 0) await this.events.emit(caller, installationUpdated, { ...eventData(view), changed });
    return view;
  }

  /** For the approval workflow: moves an installation to another status, with an optional reason. */
  async setStatus(
    caller: RegistryCaller,
    id: string,
    status: InstallationStatus,
    reason: string | null = null,
  ): Promise<Installation> {
    const rows = await this.db.query<{ id: string }>(
      `UPDATE installations SET status = $3, status_reason = $4, updated_by = $5, updated_at = now()
        WHERE organization_id = $1 AND id = $2 RETURNING id`,
      [caller.tenant, id, status, reason, caller.actor],
    );
    if (rows.length === 0) throw notFound(id);
    const view = await this.get(caller, id);
    await this.events.emit(caller, installationUpdated, { ...eventData(view), changed: ['status'] });
    return view;
  }

  async delete(caller: RegistryCaller, id: string): Promise<void> {
    const view = await this.db.transaction(async (tx) => {
      const row = await this.find(tx, caller.tenant, id, true);
      const [deleted] = await this.views(tx, caller.tenant, [row]);
      await this.secrets.removeAll(tx, ownerOf(caller.tenant, id));
      await tx.query('DELETE FROM installations WHERE organization_id = $1 AND id = $2', [caller.tenant, id]);
      return deleted;
    });
    await this.events.emit(caller, installationDeleted, eventData(view));
  }

  private async find(db: Queryable, organizationId: string, id: string, lock = false): Promise<InstallationRow> {
    const rows = await db.query<InstallationRow>(
      `SELECT ${COLUMNS} FROM installations WHERE organization_id = $1 AND id = $2${lock ? ' FOR UPDATE' : ''}`,
      [organizationId, id],
    );
    if (!rows[0]) throw notFound(id);
    return rows[0];
  }

  private async subjectOf(
    db: Queryable,
    organizationId: string,
    scope: Installation['scope'],
    subjectId: string | undefined,
  ): Promise<string> {
    if (scope === 'organization') {
      if (subjectId !== undefined && subjectId !== organizationId) {
        throw badBody('body.subjectId', 'must be omitted or be the organisation itself for scope organization');
      }
      return organizationId;
    }
    if (subjectId === undefined) throw badBody('body.subjectId', `is required for scope ${scope}`);
    const table = scope === 'team' ? 'teams' : 'users';
    const rows = await db.query(`SELECT 1 FROM ${table} WHERE organization_id = $1 AND id = $2`, [
      organizationId,
      subjectId,
    ]);
    if (rows.length === 0) throw badBody('body.subjectId', `is not a ${scope} of this organisation`);
    return subjectId;
  }

  /** Rows as the API shows them: every secret field of the entry as `{ set }`, never a value. */
  private async views(db: Queryable, organizationId: string, rows: InstallationRow[]): Promise<Installation[]> {
    const statuses = await this.secrets.statuses(
      db,
      organizationId,
      'installation',
      rows.map((r) => r.id),
    );
    const entryIds = [...new Set(rows.map((r) => r.catalog_entry_id))];
    const fields = new Map<string, string[]>();
    if (entryIds.length > 0) {
      const entries = await db.query<{ id: string; secrets: string[] | null }>(
        `SELECT id, (SELECT array_agg(f->>'name') FROM jsonb_array_elements(user_config) f
                      WHERE (f->>'secret')::boolean) AS secrets
           FROM catalog_entries WHERE organization_id = $1 AND id = ANY($2)`,
        [organizationId, entryIds],
      );
      for (const e of entries) fields.set(e.id, e.secrets ?? []);
    }
    return rows.map((row) => {
      const stored = statuses.get(row.id) ?? [];
      const credentials: Installation['credentials'] = {};
      for (const name of fields.get(row.catalog_entry_id) ?? []) credentials[name] = { set: false, updatedAt: null };
      for (const s of stored) credentials[s.name] = { set: true, updatedAt: s.updatedAt };
      return {
        id: row.id,
        catalogEntryId: row.catalog_entry_id,
        scope: row.scope,
        subjectId: row.subject_id,
        status: row.status,
        statusReason: row.status_reason,
        configuration: row.configuration,
        credentials,
        createdAt: row.created_at.toISOString(),
        updatedAt: row.updated_at.toISOString(),
        createdBy: row.created_by,
        updatedBy: row.updated_by,
      };
    });
  }
}

const eventData = (view: Installation) => ({
  installationId: view.id,
  catalogEntryId: view.catalogEntryId,
  scope: view.scope,
  subjectId: view.subjectId,
  status: view.status,
  configurationKeys: Object.keys(view.configuration).sort(),
  credentialNames: Object.entries(view.credentials)
    .filter(([, c]) => c.set)
    .map(([name]) => name)
    .sort(),
});
