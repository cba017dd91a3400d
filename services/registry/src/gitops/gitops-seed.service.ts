import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { AppConfig, loadPortcullisFile } from '@portcullis/config';
import {
  catalogEntryCreated,
  catalogEntryDeleted,
  catalogEntryUpdated,
  installationCreated,
  installationDeleted,
  type PortcullisFile,
} from '@portcullis/contracts';
import { Database } from '@portcullis/persistence';
import { LOGGER } from '@portcullis/service-kit';
import type { Logger } from 'pino';
import { v7 as uuidv7 } from 'uuid';
import type { CatalogEntry } from '../catalog/catalog-entry.schema';
import { catalogRepository } from '../catalog/catalog.repository';
import type { RegistryEnv } from '../env';
import type { Gateway } from '../gateways/gateway.schema';
import { GatewaysService } from '../gateways/gateways.service';
import { type Queryable, RegistryDb } from '../http/registry-db';
import { RegistryEvents } from '../http/registry-events';
import type { RegistryCaller } from '../http/require-permission';
import { catalogInputOf, gatewaySpecOf, specHash } from './seed-specs';

const ORGANIZATION = 'default';
const RETRY_MS = 5_000;

interface Managed {
  kind: 'server' | 'gateway';
  name: string;
  row_id: string;
  spec_hash: string;
}

/** What one application of the file did (what it emitted events for). */
export interface SeedReport {
  created: string[];
  updated: string[];
  deleted: string[];
}

type Pending = () => Promise<void>;

/**
 * Applies portcullis.yaml (PORTCULLIS_FILE) to the `default` organisation at start, idempotently: each server becomes
 * a catalog entry plus an organisation installation in status `ready`, each gateway a gateway serving them. What the
 * seed made is recorded in `gitops_objects` with a hash of its spec: unchanged objects are left alone (no events),
 * changed ones updated, and objects no longer in the file deleted. Objects made through the API are never touched,
 * except that a file object adopts an API object of the same name.
 */
@Injectable()
export class GitopsSeedService implements OnApplicationBootstrap, OnModuleDestroy {
  private stopped = false;
  private settle!: () => void;
  /** Settles when the first application at start has finished (or failed): resolution waits for it, briefly. */
  readonly firstRun = new Promise<void>((resolve) => (this.settle = resolve));

  constructor(
    private readonly config: AppConfig<RegistryEnv>,
    private readonly database: Database,
    private readonly db: RegistryDb,
    private readonly events: RegistryEvents,
    private readonly gateways: GatewaysService,
    @Inject(LOGGER) private readonly log: Logger,
  ) {}

  onApplicationBootstrap(): void {
    const path = this.config.get('PORTCULLIS_FILE');
    let file: PortcullisFile;
    try {
      file = loadPortcullisFile(path);
    } catch (error) {
      this.log.error({ err: error, file: path }, 'portcullis.yaml is invalid; the GitOps seed was not applied');
      this.settle();
      return;
    }
    const run = async (): Promise<void> => {
      await this.database.whenInitialised;
      try {
        const report = await this.apply(file);
        this.log.info({ file: path, ...report }, 'GitOps seed applied');
        this.settle();
      } catch (error) {
        this.settle();
        if (this.stopped) return;
        this.log.warn({ err: error, file: path }, 'GitOps seed not applied yet; retrying');
        await new Promise((resolve) => setTimeout(resolve, RETRY_MS).unref());
        if (!this.stopped) return run();
      }
    };
    void run();
  }

  onModuleDestroy(): void {
    this.stopped = true;
  }

  async apply(file: PortcullisFile, organizationSlug = ORGANIZATION): Promise<SeedReport> {
    const report: SeedReport = { created: [], updated: [], deleted: [] };
    const pending: Pending[] = [];
    await this.db.transaction(async (tx) => {
      // One seed at a time per organisation, across replicas.
      const [org] = await tx.query<{ id: string }>('SELECT id FROM organizations WHERE slug = $1 FOR UPDATE', [
        organizationSlug,
      ]);
      if (!org) throw new Error(`organisation ${organizationSlug} does not exist`);
      const caller: RegistryCaller = {
        actor: 'system',
        tenant: org.id,
        tenantSlug: organizationSlug,
        roles: [],
        permissions: [],
      };
      const managed = await tx.query<Managed>(
        'SELECT kind, name, row_id, spec_hash FROM gitops_objects WHERE organization_id = $1',
        [org.id],
      );
      const known = new Map(managed.map((m) => [`${m.kind}:${m.name}`, m]));
      const installationOf = new Map<string, string>();
      const servers = file.servers.filter((server) => {
        try {
          catalogInputOf(server);
          return true;
        } catch (error) {
          // One server the catalog cannot hold (e.g. `{…}` in an env value) must not keep the others out.
          this.log.error({ err: error, server: server.id }, 'portcullis.yaml server left out of the registry');
          return false;
        }
      });
      for (const server of servers) {
        const result = await this.applyServer(tx, caller, server, known.get(`server:${server.id}`), pending, report);
        installationOf.set(server.id, result);
      }
      for (const gateway of file.gateways) {
        await this.applyGateway(
          tx,
          caller,
          gateway,
          installationOf,
          known.get(`gateway:${gateway.id}`),
          pending,
          report,
        );
      }
      // Prune: gateways first (they reference the installations).
      const inFile = new Set([...servers.map((s) => `server:${s.id}`), ...file.gateways.map((g) => `gateway:${g.id}`)]);
      for (const object of managed.filter((m) => m.kind === 'gateway' && !inFile.has(`gateway:${m.name}`))) {
        await this.pruneGateway(tx, caller, object, pending, report);
      }
      for (const object of managed.filter((m) => m.kind === 'server' && !inFile.has(`server:${m.name}`))) {
        await this.pruneServer(tx, caller, object, pending, report);
      }
    });
    for (const emit of pending) await emit();
    return report;
  }

  /** The catalog entry and organisation installation of one server; answers the installation id. */
  private async applyServer(
    tx: Queryable,
    caller: RegistryCaller,
    server: PortcullisFile['servers'][number],
    known: Managed | undefined,
    pending: Pending[],
    report: SeedReport,
  ): Promise<string> {
    const input = catalogInputOf(server);
    const hash = specHash(input);
    let entry = known ? await catalogRepository.find(tx, caller.tenant, known.row_id) : undefined;
    let installationId = entry ? await this.orgInstallation(tx, caller.tenant, entry.id) : undefined;
    if (entry && installationId && known?.spec_hash === hash) return installationId;

    entry ??= await catalogRepository.findByName(tx, caller.tenant, input.name);
    if (entry) {
      const before: CatalogEntry = entry;
      const after = (await catalogRepository.update(
        tx,
        caller.tenant,
        entry.id,
        input.slug ?? entry.slug,
        input,
        caller.actor,
      ))!;
      entry = after;
      const changed = (
        ['title', 'description', 'version', 'tags', 'server', 'slug', 'newToolsNeedApproval'] as const
      ).filter((key) => JSON.stringify(before[key]) !== JSON.stringify(after[key]));
      if (changed.length > 0) {
        report.updated.push(`server:${server.id}`);
        pending.push(() =>
          this.events.emit(caller, catalogEntryUpdated, { ...entryEvent(after), changed, source: 'gitops' }),
        );
      }
    } else {
      const created = await catalogRepository.insert(tx, caller.tenant, uuidv7(), input.slug!, input, caller.actor);
      entry = created;
      report.created.push(`server:${server.id}`);
      pending.push(() => this.events.emit(caller, catalogEntryCreated, { ...entryEvent(created), source: 'gitops' }));
    }
    installationId ??= await this.orgInstallation(tx, caller.tenant, entry.id);
    if (!installationId) {
      const id = uuidv7();
      installationId = id;
      const entryId = entry.id;
      await tx.query(
        `INSERT INTO installations (id, organization_id, catalog_entry_id, scope, subject_id, status, configuration,
           created_by, updated_by) VALUES ($1, $2, $3, 'organization', $2, 'ready', '{}', $4, $4)`,
        [id, caller.tenant, entryId, caller.actor],
      );
      pending.push(() =>
        this.events.emit(caller, installationCreated, {
          installationId: id,
          catalogEntryId: entryId,
          scope: 'organization',
          subjectId: caller.tenant,
          status: 'ready',
          configurationKeys: [],
          credentialNames: [],
        }),
      );
    }
    await this.remember(tx, caller.tenant, 'server', server.id, entry.id, hash);
    return installationId;
  }

  private async applyGateway(
    tx: Queryable,
    caller: RegistryCaller,
    gateway: PortcullisFile['gateways'][number],
    installationOf: Map<string, string>,
    known: Managed | undefined,
    pending: Pending[],
    report: SeedReport,
  ): Promise<void> {
    const spec = gatewaySpecOf(gateway);
    const servers = spec.servers.flatMap((id) => {
      const installationId = installationOf.get(id);
      return installationId ? [{ installationId, tools: null }] : [];
    });
    const hash = specHash({ ...spec, servers });
    const body = {
      name: spec.name,
      slug: spec.slug,
      description: spec.description,
      prefixMode: spec.prefixMode,
      untrustedContext: spec.untrustedContext,
      access: { type: 'organization' as const },
      servers,
    };
    let current = known
      ? (
          await tx.query<{ id: string }>('SELECT id FROM gateways WHERE organization_id = $1 AND id = $2', [
            caller.tenant,
            known.row_id,
          ])
        )[0]
      : undefined;
    if (current && known?.spec_hash === hash) return;
    current ??= (
      await tx.query<{ id: string }>('SELECT id FROM gateways WHERE organization_id = $1 AND slug = $2', [
        caller.tenant,
        spec.slug,
      ])
    )[0];
    let view: Gateway;
    if (current) {
      const result = await this.gateways.change(tx, caller, current.id, body);
      view = result.view;
      if (result.changed.length > 0) {
        report.updated.push(`gateway:${gateway.id}`);
        pending.push(() => this.gateways.emit(caller, 'updated', view, 'gitops', result.changed));
      }
    } else {
      view = await this.gateways.insert(tx, caller, body);
      report.created.push(`gateway:${gateway.id}`);
      pending.push(() => this.gateways.emit(caller, 'created', view, 'gitops'));
    }
    await this.remember(tx, caller.tenant, 'gateway', gateway.id, view.id, hash);
  }

  private async pruneGateway(
    tx: Queryable,
    caller: RegistryCaller,
    object: Managed,
    pending: Pending[],
    report: SeedReport,
  ): Promise<void> {
    const [row] = await tx.query<{ id: string }>('SELECT id FROM gateways WHERE organization_id = $1 AND id = $2', [
      caller.tenant,
      object.row_id,
    ]);
    if (row) {
      const result = await this.gateways.change(tx, caller, row.id, {});
      await tx.query('DELETE FROM gateways WHERE id = $1', [row.id]);
      report.deleted.push(`gateway:${object.name}`);
      pending.push(() => this.gateways.emit(caller, 'deleted', result.view, 'gitops'));
    }
    await this.forget(tx, caller.tenant, object);
  }

  private async pruneServer(
    tx: Queryable,
    caller: RegistryCaller,
    object: Managed,
    pending: Pending[],
    report: SeedReport,
  ): Promise<void> {
    const entry = await catalogRepository.find(tx, caller.tenant, object.row_id);
    if (entry) {
      const installationId = await this.orgInstallation(tx, caller.tenant, entry.id);
      if (installationId) {
        await tx.query('DELETE FROM secrets WHERE organization_id = $1 AND owner_id = $2', [
          caller.tenant,
          installationId,
        ]);
        await tx.query('DELETE FROM installations WHERE id = $1', [installationId]);
        pending.push(() =>
          this.events.emit(caller, installationDeleted, {
            installationId,
            catalogEntryId: entry.id,
            scope: 'organization',
            subjectId: caller.tenant,
            status: 'ready',
            configurationKeys: [],
            credentialNames: [],
          }),
        );
      }
      // Installations someone else made of the entry keep it in the catalog.
      const others = await tx.query('SELECT 1 FROM installations WHERE catalog_entry_id = $1 LIMIT 1', [entry.id]);
      if (others.length === 0) {
        await catalogRepository.delete(tx, caller.tenant, entry.id);
        pending.push(() => this.events.emit(caller, catalogEntryDeleted, entryEvent(entry)));
      }
      report.deleted.push(`server:${object.name}`);
    }
    await this.forget(tx, caller.tenant, object);
  }

  private async orgInstallation(tx: Queryable, organizationId: string, entryId: string): Promise<string | undefined> {
    const rows = await tx.query<{ id: string }>(
      `SELECT id FROM installations WHERE organization_id = $1 AND catalog_entry_id = $2 AND scope = 'organization'
          AND subject_id = $1`,
      [organizationId, entryId],
    );
    return rows[0]?.id;
  }

  private async remember(
    tx: Queryable,
    organizationId: string,
    kind: Managed['kind'],
    name: string,
    rowId: string,
    hash: string,
  ): Promise<void> {
    await tx.query(
      `INSERT INTO gitops_objects (organization_id, kind, name, row_id, spec_hash) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (organization_id, kind, name)
       DO UPDATE SET row_id = EXCLUDED.row_id, spec_hash = EXCLUDED.spec_hash, applied_at = now()`,
      [organizationId, kind, name, rowId, hash],
    );
  }

  private async forget(tx: Queryable, organizationId: string, object: Managed): Promise<void> {
    await tx.query('DELETE FROM gitops_objects WHERE organization_id = $1 AND kind = $2 AND name = $3', [
      organizationId,
      object.kind,
      object.name,
    ]);
  }
}

const entryEvent = (entry: CatalogEntry) => ({
  entryId: entry.id,
  name: entry.name,
  slug: entry.slug,
  version: entry.version,
  kind: entry.kind,
});
