import { Inject, Injectable } from '@nestjs/common';
import {
  type DiscoveredTool,
  type RequestOf,
  type ResponseOf,
  registryToolPins,
  registryToolReport,
  toolChanged,
  toolPinned,
} from '@portcullis/contracts';
import { LOGGER } from '@portcullis/service-kit';
import type { Logger } from 'pino';
import { v7 as uuidv7 } from 'uuid';
import { type Queryable, RegistryDb } from '../http/registry-db';
import type { ToolStatus } from '../tools/tool.schema';
import { toolDefinitionHash } from '../tools/tool-hash';
import { SYSTEM_ACTOR } from '../workflow/request-timer-steps';
import { type EventOrigin, TransactionalEvents } from '../workflow/transactional-events';
import { type ServedInstallation, servedInstallation } from './served-installation';

interface PinRow {
  name: string;
  definition: DiscoveredTool;
  hash: string;
  approved_hash: string | null;
  status: ToolStatus;
}

/** Who pins on sight: the registry itself, for the installation's organisation. */
const FIRST_USE_APPROVER = 'system:first-use';
const NEW_TOOL_APPROVER = 'system:new-tool';

/**
 * The data path's side of tool pinning: the pins of a gateway's server (`registry.v1.tools.pins`) and what the
 * orchestrator saw that they do not cover (`registry.v1.tools.report`). A report is handled under a lock on the
 * installation, so concurrent reports of one change give one withheld tool, one request and one event.
 */
@Injectable()
export class ToolPinsService {
  constructor(
    private readonly db: RegistryDb,
    private readonly events: TransactionalEvents,
    @Inject(LOGGER) private readonly log: Logger,
  ) {}

  async pins(request: RequestOf<typeof registryToolPins>): Promise<ResponseOf<typeof registryToolPins>> {
    const served = await servedInstallation(this.db, request.gatewayId, request.serverId);
    if (!served) return { found: false };
    const [pinned] = await this.db.query('SELECT 1 FROM tool_pinning WHERE installation_id = $1', [
      served.installationId,
    ]);
    const rows = await this.db.query<PinRow>(
      'SELECT name, hash, approved_hash, status FROM installation_tools WHERE installation_id = $1',
      [served.installationId],
    );
    return {
      found: true,
      installationId: served.installationId,
      pinned: pinned !== undefined,
      newToolsNeedApproval: served.newToolsNeedApproval,
      tools: rows.map((r) => ({ name: r.name, hash: r.hash, approvedHash: r.approved_hash, status: r.status })),
    };
  }

  async report(request: RequestOf<typeof registryToolReport>): Promise<ResponseOf<typeof registryToolReport>> {
    const served = await servedInstallation(this.db, request.gatewayId, request.serverId);
    if (!served) return { recorded: 0 };
    const tools = [...new Map(request.tools.map((tool) => [tool.name, tool])).values()];
    return this.db.transaction(async (tx) => {
      // One report at a time per installation: the second finds what the first recorded and does nothing.
      const [installation] = await tx.query('SELECT 1 FROM installations WHERE id = $1 FOR UPDATE', [
        served.installationId,
      ]);
      if (!installation) return { recorded: 0 };
      const [pinned] = await tx.query('SELECT 1 FROM tool_pinning WHERE installation_id = $1', [served.installationId]);
      if (!pinned) return { recorded: await this.pinOnFirstUse(tx, served, tools) };
      let recorded = 0;
      for (const tool of tools) if (await this.recordOne(tx, served, tool)) recorded++;
      return { recorded };
    });
  }

  /** Trust on first use: an installation that never had pins (GitOps-seeded) pins what its server shows first. */
  private async pinOnFirstUse(tx: Queryable, served: ServedInstallation, tools: DiscoveredTool[]): Promise<number> {
    await tx.query(`INSERT INTO tool_pinning (installation_id, organization_id, source) VALUES ($1, $2, 'first-use')`, [
      served.installationId,
      served.organizationId,
    ]);
    for (const tool of tools) {
      const hash = toolDefinitionHash(tool);
      await this.insertTool(tx, served, tool, hash, 'approved', FIRST_USE_APPROVER);
      await this.events.write(tx, this.origin(served), toolPinned, {
        ...this.eventBase(served, tool.name, hash),
        approvedHash: hash,
        reason: 'first-use',
      });
    }
    this.log.info({ installation: served.installationId, tools: tools.length }, 'tools pinned on first use');
    return tools.length;
  }

  /** One reported definition; false when the registry already knows it (or it matches its pin). */
  private async recordOne(tx: Queryable, served: ServedInstallation, tool: DiscoveredTool): Promise<boolean> {
    const hash = toolDefinitionHash(tool);
    const [row] = await tx.query<PinRow>(
      `SELECT name, definition, hash, approved_hash, status FROM installation_tools
        WHERE installation_id = $1 AND name = $2`,
      [served.installationId, tool.name],
    );
    if (row && (row.hash === hash || row.approved_hash === hash)) return false;
    if (!row && !served.newToolsNeedApproval) {
      await this.insertTool(tx, served, tool, hash, 'approved', NEW_TOOL_APPROVER);
      await this.events.write(tx, this.origin(served), toolPinned, {
        ...this.eventBase(served, tool.name, hash),
        approvedHash: hash,
        reason: 'new-tool',
      });
      return true;
    }
    const approvedHash = row?.approved_hash ?? null;
    const status: ToolStatus = approvedHash ? 'withheld' : 'pending';
    if (row) {
      await tx.query(
        `UPDATE installation_tools SET definition = $3, hash = $4, status = $5, discovered_at = now()
          WHERE installation_id = $1 AND name = $2`,
        [served.installationId, tool.name, JSON.stringify(tool), hash, status],
      );
    } else {
      await this.insertTool(tx, served, tool, hash, 'pending', null);
    }
    await tx.query(
      `UPDATE tool_approval_requests SET status = 'superseded', decided_at = now(),
         decision_reason = 'the server changed the definition again'
        WHERE installation_id = $1 AND tool_name = $2 AND status = 'pending'`,
      [served.installationId, tool.name],
    );
    const kind = approvedHash ? 'changed' : 'added';
    // The same definition seen before (then superseded) is asked again; one declined stays declined.
    const [request] = await tx.query<{ id: string }>(
      `INSERT INTO tool_approval_requests (id, organization_id, installation_id, tool_name, kind, definition, hash,
         previous_definition, approved_hash)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (installation_id, tool_name, hash) DO UPDATE
         SET status = 'pending', decided_at = NULL, decision_reason = NULL, kind = EXCLUDED.kind,
             approved_hash = EXCLUDED.approved_hash, previous_definition = EXCLUDED.previous_definition
         WHERE tool_approval_requests.status = 'superseded'
       RETURNING id`,
      [
        uuidv7(),
        served.organizationId,
        served.installationId,
        tool.name,
        kind,
        JSON.stringify(tool),
        hash,
        approvedHash && row ? JSON.stringify(row.definition) : null,
        approvedHash,
      ],
    );
    if (request) {
      await this.events.write(tx, this.origin(served), toolChanged, {
        ...this.eventBase(served, tool.name, hash),
        approvedHash,
        change: kind,
        requestId: request.id,
      });
    }
    this.log.warn(
      { installation: served.installationId, tool: tool.name, change: kind, hash, approvedHash },
      'tool definition differs from its pin: withheld until approved',
    );
    return true;
  }

  private insertTool(
    tx: Queryable,
    served: ServedInstallation,
    tool: DiscoveredTool,
    hash: string,
    status: ToolStatus,
    approvedBy: string | null,
  ) {
    const approved = status === 'approved';
    return tx.query(
      `INSERT INTO installation_tools (organization_id, installation_id, name, definition, hash, approved_hash, status,
         approved_by, approved_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (installation_id, name) DO NOTHING`,
      [
        served.organizationId,
        served.installationId,
        tool.name,
        JSON.stringify(tool),
        hash,
        approved ? hash : null,
        status,
        approvedBy,
        approved ? new Date() : null,
      ],
    );
  }

  private eventBase(served: ServedInstallation, tool: string, hash: string) {
    return { installationId: served.installationId, catalogEntryId: served.catalogEntryId, tool, hash };
  }

  private origin(served: ServedInstallation): EventOrigin {
    return { tenantSlug: served.organizationSlug, actor: SYSTEM_ACTOR };
  }
}
