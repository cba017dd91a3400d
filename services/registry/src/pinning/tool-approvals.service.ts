import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { toolApproved, toolDeclined } from '@portcullis/contracts';
import { decodeCursor, type Page, pageOf } from '../http/pagination';
import { type Queryable, RegistryDb } from '../http/registry-db';
import { actorOf } from '../http/registry-events';
import type { RegistryCaller } from '../http/require-permission';
import { type EventOrigin, TransactionalEvents } from '../workflow/transactional-events';
import type { ApproveToolBody, DeclineToolBody, ListToolApprovalsQuery, ToolApproval } from './tool-approval.schema';
import {
  findToolApproval,
  TOOL_APPROVAL_COLUMNS,
  TOOL_APPROVAL_FROM,
  type ToolApprovalRow,
  toToolApproval,
} from './tool-approval-rows';

const notFound = (id: string) => new NotFoundException(`Tool approval request ${id} does not exist.`);

/**
 * Tool approval requests: changed or new tool definitions of approved servers, withheld until an approver decides.
 * Approving makes the presented hash the pin; the event it commits with tells every data-path cache at once.
 */
@Injectable()
export class ToolApprovalsService {
  constructor(
    private readonly db: RegistryDb,
    private readonly events: TransactionalEvents,
  ) {}

  async list(caller: RegistryCaller, query: ListToolApprovalsQuery): Promise<Page<ToolApproval>> {
    const where = ['r.organization_id = $1'];
    const params: unknown[] = [caller.tenant];
    const add = (column: string, value: unknown, op = '=') => {
      params.push(value);
      where.push(`${column} ${op} $${params.length}`);
    };
    const after = decodeCursor(query.cursor);
    if (after) add('r.id', after, '>');
    if (query.status) add('r.status', query.status);
    if (query.installationId) add('r.installation_id', query.installationId);
    params.push(query.limit + 1);
    const rows = await this.db.query<ToolApprovalRow>(
      `SELECT ${TOOL_APPROVAL_COLUMNS} FROM ${TOOL_APPROVAL_FROM} WHERE ${where.join(' AND ')} ORDER BY r.id
        LIMIT $${params.length}`,
      params,
    );
    return pageOf(rows, query.limit, (row) => row.id, toToolApproval);
  }

  async get(caller: RegistryCaller, id: string): Promise<ToolApproval> {
    const row = await findToolApproval(this.db, caller.tenant, id);
    if (!row) throw notFound(id);
    return toToolApproval(row);
  }

  async approve(caller: RegistryCaller, id: string, body: ApproveToolBody): Promise<ToolApproval> {
    return this.db.transaction(async (tx) => {
      const row = await this.decidable(tx, caller, id);
      await tx.query(
        `UPDATE installation_tools SET definition = $3, hash = $4, approved_hash = $4, status = 'approved',
           approved_by = $5, approved_at = now()
          WHERE installation_id = $1 AND name = $2`,
        [row.installation_id, row.tool_name, JSON.stringify(row.definition), row.hash, caller.actor],
      );
      await this.decide(tx, id, 'approved', caller.actor, body.note ?? null);
      await this.events.write(tx, this.origin(caller), toolApproved, {
        ...this.eventBase(row),
        approvedBy: caller.actor,
        note: body.note ?? null,
      });
      return toToolApproval((await findToolApproval(tx, caller.tenant, id))!);
    });
  }

  async decline(caller: RegistryCaller, id: string, body: DeclineToolBody): Promise<ToolApproval> {
    return this.db.transaction(async (tx) => {
      const row = await this.decidable(tx, caller, id);
      await this.decide(tx, id, 'declined', caller.actor, body.reason);
      await this.events.write(tx, this.origin(caller), toolDeclined, {
        ...this.eventBase(row),
        declinedBy: caller.actor,
        reason: body.reason,
      });
      return toToolApproval((await findToolApproval(tx, caller.tenant, id))!);
    });
  }

  /** The request, locked, if it still waits for a decision (409 otherwise). */
  private async decidable(tx: Queryable, caller: RegistryCaller, id: string): Promise<ToolApprovalRow> {
    const row = await findToolApproval(tx, caller.tenant, id, true);
    if (!row) throw notFound(id);
    if (row.status !== 'pending') throw new ConflictException(`The tool approval request is already ${row.status}.`);
    return row;
  }

  private async decide(tx: Queryable, id: string, status: string, actor: string, reason: string | null) {
    await tx.query(
      `UPDATE tool_approval_requests SET status = $2, decided_by = $3, decided_at = now(), decision_reason = $4
        WHERE id = $1`,
      [id, status, actor, reason],
    );
  }

  private eventBase(row: ToolApprovalRow) {
    return {
      installationId: row.installation_id,
      catalogEntryId: row.catalog_entry_id,
      tool: row.tool_name,
      hash: row.hash,
      approvedHash: row.approved_hash,
      requestId: row.id,
    };
  }

  private origin(caller: RegistryCaller): EventOrigin {
    return { tenantSlug: caller.tenantSlug ?? caller.tenant, actor: actorOf(caller) };
  }
}
