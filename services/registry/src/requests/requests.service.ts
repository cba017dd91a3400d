import {
  BadRequestException,
  ConflictException,
  ForbiddenException,
  Inject,
  Injectable,
  NotFoundException,
} from '@nestjs/common';
import { AppConfig } from '@portcullis/config';
import {
  catalogEntryCreated,
  installationCreated,
  installationRequestApproved,
  installationRequestCreated,
  installationRequestDeclined,
  permissionGrants,
} from '@portcullis/contracts';
import { LOGGER } from '@portcullis/service-kit';
import type { Logger } from 'pino';
import { v7 as uuidv7 } from 'uuid';
import { type CatalogEntry, catalogEntryInput } from '../catalog/catalog-entry.schema';
import { catalogRepository } from '../catalog/catalog.repository';
import { slugOf } from '../catalog/slug';
import type { RegistryEnv } from '../env';
import { decodeCursor, type Page, pageOf } from '../http/pagination';
import { conflictOn, type Queryable, RegistryDb } from '../http/registry-db';
import { actorOf } from '../http/registry-events';
import type { RegistryCaller } from '../http/require-permission';
import { checkInstallationValues } from '../installations/installation-values';
import { SecretStore } from '../secrets/secret-store';
import {
  findRequest,
  requestEventData,
  type RequestRow,
  REQUEST_COLUMNS,
  REQUEST_FROM,
} from '../workflow/request-rows';
import { type EventOrigin, TransactionalEvents } from '../workflow/transactional-events';
import { WorkflowQueue } from '../workflow/workflow-queue';
import type {
  ApproveRequestBody,
  CreateRequestBody,
  DeclineRequestBody,
  InstallationRequest,
  ListRequestsQuery,
} from './request.schema';
import { checkGateways, requestSubject } from './request-subject';
import { toRequestView } from './request-view';

const notFound = (id: string) => new NotFoundException(`Installation request ${id} does not exist.`);
const badBody = (field: string, message: string) =>
  new BadRequestException({ message: `Invalid body: ${field} ${message}`, errors: [{ field, message }] });

/**
 * Installation requests: members ask, approvers approve or decline. Each state change commits with its events; the
 * steps that follow (notify, remind, expire, deploy) are BullMQ jobs scheduled after the commit.
 */
@Injectable()
export class RequestsService {
  constructor(
    private readonly db: RegistryDb,
    private readonly events: TransactionalEvents,
    private readonly secrets: SecretStore,
    private readonly workflow: WorkflowQueue,
    private readonly config: AppConfig<RegistryEnv>,
    @Inject(LOGGER) private readonly log: Logger,
  ) {}

  async list(caller: RegistryCaller, query: ListRequestsQuery): Promise<Page<InstallationRequest>> {
    const where = ['r.organization_id = $1'];
    const params: unknown[] = [caller.tenant];
    const add = (column: string, value: unknown, op = '=') => {
      params.push(value);
      where.push(`${column} ${op} $${params.length}`);
    };
    const after = decodeCursor(query.cursor);
    if (after) add('r.id', after, '>');
    if (query.status) add('r.status', query.status);
    if (query.catalogEntryId) add('r.catalog_entry_id', query.catalogEntryId);
    if (query.requestedBy) add('r.requested_by', query.requestedBy);
    params.push(query.limit + 1);
    const rows = await this.db.query<RequestRow>(
      `SELECT ${REQUEST_COLUMNS} FROM ${REQUEST_FROM} WHERE ${where.join(' AND ')} ORDER BY r.id
        LIMIT $${params.length}`,
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

  async get(caller: RegistryCaller, id: string): Promise<InstallationRequest> {
    return (await this.views(this.db, caller.tenant, [await this.find(this.db, caller, id)]))[0];
  }

  async create(caller: RegistryCaller, body: CreateRequestBody): Promise<InstallationRequest> {
    const id = uuidv7();
    const installationId = uuidv7();
    const now = Date.now();
    const remindAt = new Date(now + this.config.get('REQUESTS_REMIND_AFTER_MS'));
    const expiresAt = new Date(now + this.config.get('REQUESTS_EXPIRE_AFTER_MS'));
    const view = await this.db.transaction(async (tx) => {
      let entry: CatalogEntry | undefined;
      if (body.catalogEntryId) {
        entry = await catalogRepository.find(tx, caller.tenant, body.catalogEntryId);
        if (!entry) throw badBody('body.catalogEntryId', 'is not a catalog entry of this organisation');
      } else if (await this.nameTaken(tx, caller.tenant, body.customServer!.name)) {
        throw new ConflictException(
          `The catalog already has a server named "${body.customServer!.name}"; request it by catalogEntryId.`,
        );
      }
      const subjectId = await requestSubject(tx, caller, body.scope, body.subjectId);
      const fields = entry ? entry.userConfig : body.customServer!.userConfig;
      checkInstallationValues(fields, body.configuration, Object.keys(body.credentials));
      await checkGateways(tx, caller.tenant, body.gatewayIds);
      if (entry) {
        const installed = await tx.query(
          `SELECT 1 FROM installations
            WHERE organization_id = $1 AND catalog_entry_id = $2 AND scope = $3 AND subject_id = $4`,
          [caller.tenant, entry.id, body.scope, subjectId],
        );
        if (installed.length > 0) {
          throw new ConflictException(`This catalog entry is already installed for ${body.scope} ${subjectId}.`);
        }
      }
      await conflictOn(
        tx.query(
          `INSERT INTO installation_requests (id, organization_id, installation_id, catalog_entry_id, custom_entry,
             server_name, scope, subject_id, configuration, gateway_ids, note, requested_by, remind_at, expires_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
          [
            id,
            caller.tenant,
            installationId,
            entry?.id ?? null,
            body.customServer ? JSON.stringify(body.customServer) : null,
            entry?.name ?? body.customServer!.name,
            body.scope,
            subjectId,
            JSON.stringify(body.configuration),
            body.gatewayIds,
            body.note ?? null,
            caller.actor,
            remindAt,
            expiresAt,
          ],
        ),
        `A request for this server for ${body.scope} ${subjectId} is already pending.`,
      );
      // Stored encrypted under the installation's id now, so they never wait anywhere in clear.
      const owner = { organizationId: caller.tenant, ownerType: 'installation' as const, ownerId: installationId };
      for (const [name, value] of Object.entries(body.credentials)) await this.secrets.put(tx, owner, name, value);
      const row = (await findRequest(tx, id))!;
      await this.events.write(tx, this.origin(caller), installationRequestCreated, {
        ...requestEventData(row),
        expiresAt: row.expires_at.toISOString(),
      });
      return (await this.views(tx, caller.tenant, [row]))[0];
    });
    await this.workflow.notify(id);
    await this.workflow.remind(id, remindAt);
    await this.workflow.expire(id, expiresAt);
    return view;
  }

  async approve(caller: RegistryCaller, id: string, body: ApproveRequestBody): Promise<InstallationRequest> {
    const view = await this.db.transaction(async (tx) => {
      const row = await this.decidable(tx, caller, id);
      let entry: CatalogEntry;
      if (row.catalog_entry_id) {
        const found = await catalogRepository.find(tx, caller.tenant, row.catalog_entry_id);
        if (!found) throw new ConflictException('The requested catalog entry no longer exists.');
        entry = found;
      } else {
        if (!permissionGrants(caller.permissions, 'catalog:write')) {
          throw new ForbiddenException('Approving a custom server adds it to the catalog: that needs catalog:write.');
        }
        entry = await this.addToCatalog(tx, caller, row);
      }
      await conflictOn(
        tx.query(
          `INSERT INTO installations (id, organization_id, catalog_entry_id, scope, subject_id, configuration, status,
             created_by, updated_by) VALUES ($1, $2, $3, $4, $5, $6, 'approved', $7, $8)`,
          [
            row.installation_id,
            caller.tenant,
            entry.id,
            row.scope,
            row.subject_id,
            JSON.stringify(row.configuration),
            row.requested_by,
            caller.actor,
          ],
        ),
        `This catalog entry is already installed for ${row.scope} ${row.subject_id}.`,
      );
      await tx.query(
        `UPDATE installation_requests SET status = 'approved', catalog_entry_id = $2, decided_by = $3,
           decided_at = now(), decision_reason = $4, updated_at = now() WHERE id = $1`,
        [id, entry.id, caller.actor, body.note ?? null],
      );
      const approved = (await findRequest(tx, id))!;
      const credentialNames = (
        (await this.secrets.statuses(tx, caller.tenant, 'installation', [row.installation_id])).get(
          row.installation_id,
        ) ?? []
      ).map((s) => s.name);
      await this.events.write(tx, this.origin(caller), installationCreated, {
        installationId: row.installation_id,
        catalogEntryId: entry.id,
        scope: row.scope,
        subjectId: row.subject_id,
        status: 'approved',
        configurationKeys: Object.keys(row.configuration).sort(),
        credentialNames: credentialNames.sort(),
      });
      await this.events.write(tx, this.origin(caller), installationRequestApproved, {
        ...requestEventData(approved),
        approvedBy: caller.actor,
        note: body.note ?? null,
      });
      return (await this.views(tx, caller.tenant, [approved]))[0];
    });
    await this.workflow.deploy(view.installation!.id);
    await this.workflow.cancelTimers(id);
    return view;
  }

  async decline(caller: RegistryCaller, id: string, body: DeclineRequestBody): Promise<InstallationRequest> {
    const view = await this.db.transaction(async (tx) => {
      const row = await this.decidable(tx, caller, id);
      await tx.query(
        `UPDATE installation_requests SET status = 'declined', decided_by = $2, decided_at = now(),
           decision_reason = $3, updated_at = now() WHERE id = $1`,
        [id, caller.actor, body.reason],
      );
      await this.secrets.removeAll(tx, {
        organizationId: caller.tenant,
        ownerType: 'installation',
        ownerId: row.installation_id,
      });
      await this.events.write(tx, this.origin(caller), installationRequestDeclined, {
        ...requestEventData(row),
        declinedBy: caller.actor,
        reason: body.reason,
      });
      return (await this.views(tx, caller.tenant, [(await findRequest(tx, id))!]))[0];
    });
    await this.workflow.cancelTimers(id);
    return view;
  }

  /** The request, locked, if it still waits for a decision (409 otherwise). */
  private async decidable(tx: Queryable, caller: RegistryCaller, id: string): Promise<RequestRow> {
    const row = await this.find(tx, caller, id, true);
    if (row.status !== 'pending') throw new ConflictException(`The request is already ${row.status}.`);
    if (row.expires_at.getTime() <= Date.now()) throw new ConflictException('The request has expired.');
    return row;
  }

  private async addToCatalog(tx: Queryable, caller: RegistryCaller, row: RequestRow): Promise<CatalogEntry> {
    const input = catalogEntryInput.parse(row.custom_entry);
    let slug = input.slug ?? slugOf(input.name);
    for (let n = 2; !input.slug && (await catalogRepository.slugTaken(tx, caller.tenant, slug)); n++) {
      slug = `${slugOf(input.name).slice(0, 56)}-${n}`;
    }
    const entry = await conflictOn(
      catalogRepository.insert(tx, caller.tenant, uuidv7(), slug, input, caller.actor),
      `A catalog entry named "${input.name}" or with the slug "${slug}" already exists.`,
    );
    await this.events.write(tx, this.origin(caller), catalogEntryCreated, {
      entryId: entry.id,
      name: entry.name,
      slug: entry.slug,
      version: entry.version,
      kind: entry.kind,
      source: 'api',
    });
    this.log.info({ entry: entry.id, request: row.id }, 'custom server added to the catalog on approval');
    return entry;
  }

  private async nameTaken(db: Queryable, organizationId: string, name: string): Promise<boolean> {
    const rows = await db.query('SELECT 1 FROM catalog_entries WHERE organization_id = $1 AND name = $2', [
      organizationId,
      name,
    ]);
    return rows.length > 0;
  }

  private async find(db: Queryable, caller: RegistryCaller, id: string, lock = false): Promise<RequestRow> {
    const rows = await db.query<RequestRow>(
      `SELECT ${REQUEST_COLUMNS} FROM ${REQUEST_FROM} WHERE r.organization_id = $1 AND r.id = $2
        ${lock ? 'FOR UPDATE OF r' : ''}`,
      [caller.tenant, id],
    );
    if (!rows[0]) throw notFound(id);
    return rows[0];
  }

  private origin(caller: RegistryCaller): EventOrigin {
    return { tenantSlug: caller.tenantSlug ?? caller.tenant, actor: actorOf(caller) };
  }

  private async views(db: Queryable, organizationId: string, rows: RequestRow[]): Promise<InstallationRequest[]> {
    const installationIds = rows.map((r) => r.installation_id);
    const secrets = await this.secrets.statuses(db, organizationId, 'installation', installationIds);
    const installations = new Map(
      installationIds.length === 0
        ? []
        : (
            await db.query<{ id: string; status: string; status_reason: string | null }>(
              'SELECT id, status, status_reason FROM installations WHERE organization_id = $1 AND id = ANY($2::uuid[])',
              [organizationId, installationIds],
            )
          ).map((i) => [i.id, i]),
    );
    return rows.map((row) =>
      toRequestView(
        row,
        (secrets.get(row.installation_id) ?? []).map((s) => s.name),
        installations.get(row.installation_id),
      ),
    );
  }
}
