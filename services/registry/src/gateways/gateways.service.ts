import { BadRequestException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { gatewayCreated, gatewayDeleted, gatewayUpdated } from '@portcullis/contracts';
import { LOGGER } from '@portcullis/service-kit';
import type { Logger } from 'pino';
import { v7 as uuidv7 } from 'uuid';
import { decodeCursor, type Page, pageOf } from '../http/pagination';
import { conflictOn, type Queryable, RegistryDb } from '../http/registry-db';
import { RegistryEvents } from '../http/registry-events';
import type { RegistryCaller } from '../http/require-permission';
import type { CreateGatewayBody, Gateway, GatewayAccess, ListGatewaysQuery, UpdateGatewayBody } from './gateway.schema';
import { GATEWAY_COLUMNS, type GatewayRow, gatewaysRepository as repo, gatewayViews } from './gateways.repository';
import { gatewaySlugOf } from './gateway-slug';

export type GatewaySource = 'api' | 'gitops';

const badBody = (errors: { field: string; message: string }[]) =>
  new BadRequestException({
    message: `Invalid body: ${errors.map((e) => `${e.field} ${e.message}`).join('; ')}`,
    errors,
  });
const notFound = (id: string) => new NotFoundException(`Gateway ${id} does not exist.`);
const likePattern = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** Gateways (profiles) of an organisation: settings, assigned installations, access list; an event per change. */
@Injectable()
export class GatewaysService {
  constructor(
    private readonly db: RegistryDb,
    private readonly events: RegistryEvents,
    @Inject(LOGGER) private readonly log: Logger,
  ) {}

  async list(caller: RegistryCaller, query: ListGatewaysQuery): Promise<Page<Gateway>> {
    const where = ['organization_id = $1'];
    const params: unknown[] = [caller.tenant];
    const add = (clause: (p: string) => string, value: unknown) => {
      params.push(value);
      where.push(clause(`$${params.length}`));
    };
    const after = decodeCursor(query.cursor);
    if (after) add((p) => `id > ${p}`, after);
    if (query.q) add((p) => `(name ILIKE ${p} OR slug ILIKE ${p} OR description ILIKE ${p})`, likePattern(query.q));
    if (query.installationId)
      add((p) => `id IN (SELECT gateway_id FROM gateway_servers WHERE installation_id = ${p})`, query.installationId);
    params.push(query.limit + 1);
    const rows = await this.db.query<GatewayRow>(
      `SELECT ${GATEWAY_COLUMNS} FROM gateways WHERE ${where.join(' AND ')} ORDER BY id LIMIT $${params.length}`,
      params,
    );
    const page = pageOf(
      rows,
      query.limit,
      (row) => row.id,
      (row) => row,
    );
    return { items: await gatewayViews(this.db, page.items), nextCursor: page.nextCursor };
  }

  async get(caller: RegistryCaller, id: string): Promise<Gateway> {
    const row = await repo.find(this.db, caller.tenant, id);
    if (!row) throw notFound(id);
    return (await gatewayViews(this.db, [row]))[0];
  }

  async create(caller: RegistryCaller, body: CreateGatewayBody, source: GatewaySource = 'api'): Promise<Gateway> {
    const view = await this.db.transaction((tx) => this.insert(tx, caller, body));
    await this.emit(caller, 'created', view, source);
    return view;
  }

  /** Inside the caller's transaction (the GitOps seed); no event — the caller emits after commit. */
  async insert(tx: Queryable, caller: RegistryCaller, body: CreateGatewayBody): Promise<Gateway> {
    const id = uuidv7();
    const slug = body.slug ?? (await this.freeSlug(tx, caller.tenant, gatewaySlugOf(body.name)));
    await this.check(tx, caller.tenant, body.access, body.servers);
    await conflictOn(
      tx.query(
        `INSERT INTO gateways (id, organization_id, slug, name, description, prefix_mode, untrusted_context, access,
           created_by, updated_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)`,
        [
          id,
          caller.tenant,
          slug,
          body.name,
          body.description,
          body.prefixMode,
          body.untrustedContext,
          body.access.type,
          caller.actor,
        ],
      ),
      `A gateway with the slug "${slug}" already exists.`,
    );
    await repo.replaceServers(tx, id, body.servers);
    await repo.replaceAccess(tx, id, body.access);
    return this.view(tx, caller.tenant, id);
  }

  async update(
    caller: RegistryCaller,
    id: string,
    body: UpdateGatewayBody,
    source: GatewaySource = 'api',
  ): Promise<Gateway> {
    const { view, changed } = await this.db.transaction((tx) => this.change(tx, caller, id, body));
    if (changed.length > 0) await this.emit(caller, 'updated', view, source, changed);
    return view;
  }

  /** Inside the caller's transaction; answers what changed so the caller can emit after commit. */
  async change(
    tx: Queryable,
    caller: RegistryCaller,
    id: string,
    body: UpdateGatewayBody,
  ): Promise<{ view: Gateway; changed: string[] }> {
    const row = await repo.find(tx, caller.tenant, id, true);
    if (!row) throw notFound(id);
    const before = (await gatewayViews(tx, [row]))[0];
    await this.check(tx, caller.tenant, body.access, body.servers);
    const next = {
      slug: body.slug ?? row.slug,
      name: body.name ?? row.name,
      description: body.description ?? row.description,
      prefixMode: body.prefixMode ?? row.prefix_mode,
      untrustedContext: body.untrustedContext ?? row.untrusted_context,
    };
    const changed: string[] = [];
    for (const key of Object.keys(next) as (keyof typeof next)[]) if (next[key] !== before[key]) changed.push(key);
    if (body.access && JSON.stringify(accessOf(body.access)) !== JSON.stringify(accessOf(before.access))) {
      changed.push('access');
      await repo.replaceAccess(tx, id, body.access);
    }
    if (body.servers) {
      const current = before.servers.map((s) => ({ installationId: s.installationId, tools: s.tools }));
      if (JSON.stringify(current) !== JSON.stringify(body.servers)) {
        changed.push('servers');
        await repo.replaceServers(tx, id, body.servers);
      }
    }
    if (changed.length > 0) {
      await conflictOn(
        tx.query(
          `UPDATE gateways SET slug = $3, name = $4, description = $5, prefix_mode = $6, untrusted_context = $7,
             access = $8, updated_by = $9, updated_at = now() WHERE organization_id = $1 AND id = $2`,
          [
            caller.tenant,
            id,
            next.slug,
            next.name,
            next.description,
            next.prefixMode,
            next.untrustedContext,
            (body.access ?? before.access).type,
            caller.actor,
          ],
        ),
        `A gateway with the slug "${next.slug}" already exists.`,
      );
    }
    return { view: await this.view(tx, caller.tenant, id), changed };
  }

  async delete(caller: RegistryCaller, id: string, source: GatewaySource = 'api'): Promise<void> {
    const view = await this.db.transaction(async (tx) => {
      const row = await repo.find(tx, caller.tenant, id, true);
      if (!row) throw notFound(id);
      const current = (await gatewayViews(tx, [row]))[0];
      await tx.query('DELETE FROM gateways WHERE organization_id = $1 AND id = $2', [caller.tenant, id]);
      await tx.query(`DELETE FROM gitops_objects WHERE kind = 'gateway' AND row_id = $1`, [id]);
      return current;
    });
    await this.emit(caller, 'deleted', view, source);
  }

  /**
   * Makes an installation available to a gateway (the installation-request workflow, inside its transaction):
   * appended after the gateway's other servers; assigning it again changes nothing. The gateway-updated event is
   * published once the transaction has committed (and never when it rolls back).
   */
  async assignInstallation(
    tx: Queryable,
    organizationId: string,
    gatewayId: string,
    installationId: string,
  ): Promise<void> {
    const rows = await tx.query<{ id: string }>(
      `SELECT g.id FROM gateways g, installations i
        WHERE g.organization_id = $1 AND g.id = $2 AND i.organization_id = $1 AND i.id = $3`,
      [organizationId, gatewayId, installationId],
    );
    if (rows.length === 0)
      throw new NotFoundException(`Gateway ${gatewayId} or installation ${installationId} does not exist.`);
    const inserted = await tx.query<{ gateway_id: string }>(
      `INSERT INTO gateway_servers (gateway_id, installation_id, position)
       VALUES ($1, $2, (SELECT coalesce(max(position) + 1, 0) FROM gateway_servers WHERE gateway_id = $1))
       ON CONFLICT (gateway_id, installation_id) DO NOTHING RETURNING gateway_id`,
      [gatewayId, installationId],
    );
    if (inserted.length > 0) this.emitOnceCommitted(organizationId, gatewayId, installationId);
  }

  /** Waits (bounded) until the assignment is visible outside the transaction, then publishes gateway.updated. */
  private emitOnceCommitted(organizationId: string, gatewayId: string, installationId: string): void {
    const started = Date.now();
    const attempt = async (delay: number): Promise<void> => {
      await new Promise((resolve) => setTimeout(resolve, delay));
      const visible = await this.db.query(
        'SELECT 1 FROM gateway_servers WHERE gateway_id = $1 AND installation_id = $2',
        [gatewayId, installationId],
      );
      if (visible.length === 0) {
        if (Date.now() - started < 60_000) return attempt(Math.min(delay * 2, 1_000));
        return; // rolled back (or never committed): nothing happened, so nothing to tell
      }
      const [org] = await this.db.query<{ slug: string }>('SELECT slug FROM organizations WHERE id = $1', [
        organizationId,
      ]);
      const system: RegistryCaller = {
        actor: 'system',
        tenant: organizationId,
        tenantSlug: org?.slug,
        roles: [],
        permissions: [],
      };
      await this.emit(system, 'updated', await this.view(this.db, organizationId, gatewayId), 'api', ['servers']);
    };
    attempt(20).catch((error: unknown) =>
      this.log.warn({ err: error, gatewayId, installationId }, 'gateway.updated after assignment not published'),
    );
  }

  emit(
    caller: RegistryCaller,
    what: 'created' | 'updated' | 'deleted',
    view: Gateway,
    source: GatewaySource,
    changed: string[] = [],
  ): Promise<void> {
    const data = {
      gatewayId: view.id,
      slug: view.slug,
      name: view.name,
      prefixMode: view.prefixMode,
      untrustedContext: view.untrustedContext,
      access: view.access.type,
      installationIds: view.servers.map((s) => s.installationId),
      source,
    };
    if (what === 'updated') return this.events.emit(caller, gatewayUpdated, { ...data, changed });
    return this.events.emit(caller, what === 'created' ? gatewayCreated : gatewayDeleted, data);
  }

  private async view(db: Queryable, organizationId: string, id: string): Promise<Gateway> {
    const row = await repo.find(db, organizationId, id);
    if (!row) throw notFound(id);
    return (await gatewayViews(db, [row]))[0];
  }

  /** Installations, users and teams named in a body must belong to the organisation (400 naming each field). */
  private async check(
    db: Queryable,
    organizationId: string,
    access: GatewayAccess | undefined,
    servers: readonly { installationId: string }[] | undefined,
  ): Promise<void> {
    const errors: { field: string; message: string }[] = [];
    const missing = async (table: string, ids: readonly string[]) => {
      if (ids.length === 0) return new Set<string>();
      const rows = await db.query<{ id: string }>(
        `SELECT id FROM ${table} WHERE organization_id = $1 AND id = ANY($2)`,
        [organizationId, ids],
      );
      const found = new Set(rows.map((r) => r.id));
      return new Set(ids.filter((id) => !found.has(id)));
    };
    if (servers) {
      const unknown = await missing(
        'installations',
        servers.map((s) => s.installationId),
      );
      servers.forEach((s, i) => {
        if (unknown.has(s.installationId))
          errors.push({
            field: `body.servers.${i}.installationId`,
            message: 'is not an installation of this organisation',
          });
      });
    }
    if (access?.type === 'restricted') {
      const users = await missing('users', access.users);
      access.users.forEach((u, i) => {
        if (users.has(u))
          errors.push({ field: `body.access.users.${i}`, message: 'is not a user of this organisation' });
      });
      const teams = await missing('teams', access.teams);
      access.teams.forEach((t, i) => {
        if (teams.has(t))
          errors.push({ field: `body.access.teams.${i}`, message: 'is not a team of this organisation' });
      });
    }
    if (errors.length > 0) throw badBody(errors);
  }

  private async freeSlug(db: Queryable, organizationId: string, base: string): Promise<string> {
    for (let n = 1; n < 100; n++) {
      const candidate = n === 1 ? base : `${base.slice(0, 58).replace(/-+$/, '')}-${n}`;
      if (!(await repo.findBySlug(db, organizationId, candidate))) return candidate;
    }
    return `${base.slice(0, 50).replace(/-+$/, '')}-${uuidv7().slice(-6)}`;
  }
}

const accessOf = (access: GatewayAccess | Gateway['access']) =>
  access.type === 'organization'
    ? { type: access.type }
    : { type: access.type, users: [...new Set(access.users)].sort(), teams: [...new Set(access.teams)].sort() };
