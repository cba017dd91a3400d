import { BadRequestException, ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { catalogEntryCreated, catalogEntryDeleted, catalogEntryUpdated } from '@portcullis/contracts';
import { v7 as uuidv7 } from 'uuid';
import { decodeCursor, type Page, pageOf } from '../http/pagination';
import { conflictOn, type Queryable, RegistryDb } from '../http/registry-db';
import { RegistryEvents } from '../http/registry-events';
import type { RegistryCaller } from '../http/require-permission';
import type { CatalogEntry, CatalogEntryInput, ListCatalogQuery } from './catalog-entry.schema';
import { catalogRepository as repo, toCatalogEntry } from './catalog.repository';
import { exportServerJson } from './server-json/server-json-export';
import { importServerJson, ServerJsonImportError } from './server-json/server-json-import';
import type { ServerJson } from './server-json/server-json.schema';
import { slugOf } from './slug';

type Source = 'api' | 'server.json';

const COMPARED: (keyof CatalogEntryInput)[] = [
  'name',
  'title',
  'description',
  'version',
  'tags',
  'newToolsNeedApproval',
  'userConfig',
  'server',
  'metadata',
];

const notFound = (id: string) => new NotFoundException(`Catalog entry ${id} does not exist.`);
const isForeignKeyViolation = (error: unknown) => (error as { code?: unknown })?.code === '23503';

/** The organisation's private catalog: CRUD, server.json import/export, and an event for every change. */
@Injectable()
export class CatalogService {
  constructor(
    private readonly db: RegistryDb,
    private readonly events: RegistryEvents,
  ) {}

  async list(caller: RegistryCaller, query: ListCatalogQuery): Promise<Page<CatalogEntry>> {
    const rows = await repo.list(this.db, caller.tenant, query, decodeCursor(query.cursor));
    return pageOf(rows, query.limit, (row) => row.id, toCatalogEntry);
  }

  async get(caller: RegistryCaller, id: string): Promise<CatalogEntry> {
    const entry = await repo.find(this.db, caller.tenant, id);
    if (!entry) throw notFound(id);
    return entry;
  }

  async create(caller: RegistryCaller, input: CatalogEntryInput, source: Source = 'api'): Promise<CatalogEntry> {
    const entry = await this.db.transaction((tx) => this.insert(tx, caller, input));
    await this.emitCreated(caller, entry, source);
    return entry;
  }

  async update(caller: RegistryCaller, id: string, input: CatalogEntryInput): Promise<CatalogEntry> {
    const { before, after } = await this.db.transaction(async (tx) => {
      const current = await repo.find(tx, caller.tenant, id);
      if (!current) throw notFound(id);
      return { before: current, after: await this.replace(tx, caller, current, input) };
    });
    await this.emitUpdated(caller, before, after, 'api');
    return after;
  }

  async delete(caller: RegistryCaller, id: string): Promise<void> {
    let deleted: CatalogEntry | undefined;
    try {
      deleted = await repo.delete(this.db, caller.tenant, id);
    } catch (error) {
      if (isForeignKeyViolation(error)) {
        throw new ConflictException(`Catalog entry ${id} is installed; delete its installations first.`);
      }
      throw error;
    }
    if (!deleted) throw notFound(id);
    await this.events.emit(caller, catalogEntryDeleted, eventData(deleted));
  }

  /** Creates the entry a server.json describes, or updates the entry of the same name. */
  async import(
    caller: RegistryCaller,
    document: unknown,
    prefer?: 'local' | 'remote',
  ): Promise<{ created: boolean; entry: CatalogEntry }> {
    let input: CatalogEntryInput;
    try {
      input = importServerJson(document, prefer);
    } catch (error) {
      if (!(error instanceof ServerJsonImportError)) throw error;
      throw new BadRequestException({
        message: error.message,
        errors: error.issues.map((i) => ({ field: i.field ? `body.${i.field}` : 'body', message: i.message })),
      });
    }
    const result = await this.db.transaction(async (tx) => {
      const existing = await repo.findByName(tx, caller.tenant, input.name);
      if (!existing) return { created: true, before: undefined, entry: await this.insert(tx, caller, input) };
      return { created: false, before: existing, entry: await this.replace(tx, caller, existing, input) };
    });
    if (result.before) await this.emitUpdated(caller, result.before, result.entry, 'server.json');
    else await this.emitCreated(caller, result.entry, 'server.json');
    return { created: result.created, entry: result.entry };
  }

  async export(caller: RegistryCaller, id: string): Promise<ServerJson> {
    return exportServerJson(await this.get(caller, id));
  }

  private async insert(tx: Queryable, caller: RegistryCaller, input: CatalogEntryInput): Promise<CatalogEntry> {
    const slug = input.slug ?? (await this.freeSlug(tx, caller.tenant, slugOf(input.name)));
    return conflictOn(
      repo.insert(tx, caller.tenant, uuidv7(), slug, input, caller.actor),
      `A catalog entry named "${input.name}" or with the slug "${slug}" already exists.`,
    );
  }

  private async replace(
    tx: Queryable,
    caller: RegistryCaller,
    current: CatalogEntry,
    input: CatalogEntryInput,
  ): Promise<CatalogEntry> {
    const slug = input.slug ?? current.slug;
    const updated = await conflictOn(
      repo.update(tx, caller.tenant, current.id, slug, input, caller.actor),
      `Another catalog entry is named "${input.name}" or has the slug "${slug}".`,
    );
    if (!updated) throw notFound(current.id);
    return updated;
  }

  /** The derived slug, or it with the first free numeric suffix. */
  private async freeSlug(tx: Queryable, organizationId: string, base: string): Promise<string> {
    for (let n = 1; n < 100; n++) {
      const candidate = n === 1 ? base : `${base}-${n}`;
      if (!(await repo.slugTaken(tx, organizationId, candidate))) return candidate;
    }
    return `${base}-${uuidv7().slice(-6)}`;
  }

  private emitCreated(caller: RegistryCaller, entry: CatalogEntry, source: Source) {
    return this.events.emit(caller, catalogEntryCreated, { ...eventData(entry), source });
  }

  private emitUpdated(caller: RegistryCaller, before: CatalogEntry, after: CatalogEntry, source: Source) {
    const changed = [...COMPARED, 'slug' as const].filter(
      (key) => JSON.stringify(before[key]) !== JSON.stringify(after[key]),
    );
    return this.events.emit(caller, catalogEntryUpdated, { ...eventData(after), changed, source });
  }
}

const eventData = (entry: CatalogEntry) => ({
  entryId: entry.id,
  name: entry.name,
  slug: entry.slug,
  version: entry.version,
  kind: entry.kind,
});
