import { Injectable } from '@nestjs/common';
import {
  installationDeploying,
  installationFailed,
  installationReady,
  orchestratorDiscover,
  type ResponseOf,
} from '@portcullis/contracts';
import { AppConfig } from '@portcullis/config';
import { BusClient } from '@portcullis/messaging';
import { catalogRepository } from '../catalog/catalog.repository';
import type { RegistryEnv } from '../env';
import { GatewaysService } from '../gateways/gateways.service';
import { RegistryDb, type Queryable } from '../http/registry-db';
import type { ConfigValue, InstallationStatus } from '../installations/installation.schema';
import { dataPathServerIds } from '../resolve/data-path-server-ids';
import { runtimeDefinition } from '../resolve/runtime-definition';
import { SecretStore } from '../secrets/secret-store';
import { toolsRepository } from '../tools/tools.repository';
import { SYSTEM_ACTOR } from './request-timer-steps';
import { TransactionalEvents } from './transactional-events';

interface DeployRow {
  id: string;
  organization_id: string;
  organization_slug: string;
  catalog_entry_id: string;
  status: InstallationStatus;
  configuration: Record<string, ConfigValue>;
  request_id: string | null;
  gateway_ids: string[] | null;
  decided_by: string | null;
}

/** Where a deploy attempt stands among the job's attempts. */
export interface DeployAttempt {
  /** Attempts that failed before this one. */
  made: number;
  max: number;
}

const MAX_REASON = 1_000;
const describe = (error: unknown) =>
  (error instanceof Error ? error.message : String(error)).replace(/\s+/g, ' ').slice(0, MAX_REASON);

/**
 * Deploys an approved installation: approved → deploying → ready (or failed after the last attempt). The server is
 * started once by an orchestrator to discover its tools; each tool's definition is stored with its hash as the
 * approved pin, the installation is assigned to the gateways its request chose, and only then is it `ready`.
 * Every state change and its event commit together under the installation's row lock, so a deploy resumed after a
 * crash at any point neither repeats an event nor duplicates tools or assignments.
 */
@Injectable()
export class DeployStep {
  constructor(
    private readonly db: RegistryDb,
    private readonly events: TransactionalEvents,
    private readonly secrets: SecretStore,
    private readonly bus: BusClient,
    private readonly gateways: GatewaysService,
    private readonly config: AppConfig<RegistryEnv>,
  ) {}

  async run(installationId: string, attempt: DeployAttempt): Promise<string> {
    const row = await this.db.transaction(async (tx) => {
      const found = await this.lock(tx, installationId);
      if (!found || !['approved', 'deploying', 'failed'].includes(found.status)) return undefined;
      if (found.status !== 'deploying') {
        await this.setStatus(tx, installationId, 'deploying', null);
        await this.events.write(tx, this.origin(found), installationDeploying, this.eventData(found));
      }
      return found;
    });
    if (!row) return 'nothing to do';

    let discovered: ResponseOf<typeof orchestratorDiscover>;
    try {
      discovered = await this.discover(row);
    } catch (error) {
      await this.recordFailure(row, describe(error), attempt);
      throw error;
    }

    return this.db.transaction(async (tx) => {
      const current = await this.lock(tx, installationId);
      if (current?.status !== 'deploying') return 'nothing to do';
      const tools = await toolsRepository.pinApproved(
        tx,
        current.organization_id,
        installationId,
        discovered.tools,
        current.decided_by ?? 'system',
      );
      const gatewayIds = await this.existingGateways(tx, current);
      for (const gatewayId of gatewayIds) {
        await this.gateways.assignInstallation(tx, current.organization_id, gatewayId, installationId);
      }
      await this.setStatus(tx, installationId, 'ready', null);
      await this.events.write(tx, this.origin(current), installationReady, {
        ...this.eventData(current),
        tools,
        prompts: discovered.prompts.length,
        resources: discovered.resources.length,
      });
      return 'ready';
    });
  }

  private async discover(row: DeployRow): Promise<ResponseOf<typeof orchestratorDiscover>> {
    const entry = await catalogRepository.find(this.db, row.organization_id, row.catalog_entry_id);
    if (!entry) throw new Error(`catalog entry ${row.catalog_entry_id} no longer exists`);
    const credentials = await this.secrets.reveal(this.db, {
      organizationId: row.organization_id,
      ownerType: 'installation',
      ownerId: row.id,
    });
    const [id] = dataPathServerIds([{ installationId: row.id, entrySlug: entry.slug }]);
    const server = runtimeDefinition(id, entry, row.configuration, credentials);
    const timeoutMs = this.config.get('DEPLOY_DISCOVERY_TIMEOUT_MS');
    return this.bus.request(orchestratorDiscover, { server, timeoutMs }, { timeoutMs: timeoutMs + 5_000 });
  }

  /** The reason shows on the installation at once; the status turns `failed` only after the last attempt. */
  private async recordFailure(row: DeployRow, reason: string, attempt: DeployAttempt): Promise<void> {
    const last = attempt.made + 1 >= attempt.max;
    await this.db.transaction(async (tx) => {
      const current = await this.lock(tx, row.id);
      if (current?.status !== 'deploying') return;
      if (!last) {
        const retrying = `attempt ${attempt.made + 1} of ${attempt.max} failed, retrying: ${reason}`;
        await this.setStatus(tx, row.id, 'deploying', retrying);
        return;
      }
      await this.setStatus(tx, row.id, 'failed', reason);
      await this.events.write(tx, this.origin(current), installationFailed, {
        ...this.eventData(current),
        reason,
        attempts: attempt.max,
      });
    });
  }

  private async lock(tx: Queryable, installationId: string): Promise<DeployRow | undefined> {
    const rows = await tx.query<DeployRow>(
      `SELECT i.id, i.organization_id, o.slug AS organization_slug, i.catalog_entry_id, i.status, i.configuration,
              r.id AS request_id, r.gateway_ids, r.decided_by
         FROM installations i
         JOIN organizations o ON o.id = i.organization_id
         LEFT JOIN installation_requests r ON r.installation_id = i.id
        WHERE i.id = $1
        FOR UPDATE OF i`,
      [installationId],
    );
    return rows[0];
  }

  /** The chosen gateways that still exist (one deleted since the request is skipped, not an error). */
  private async existingGateways(tx: Queryable, row: DeployRow): Promise<string[]> {
    const wanted = row.gateway_ids ?? [];
    if (wanted.length === 0) return [];
    const rows = await tx.query<{ id: string }>(
      'SELECT id FROM gateways WHERE organization_id = $1 AND id = ANY($2::uuid[])',
      [row.organization_id, wanted],
    );
    const present = new Set(rows.map((r) => r.id));
    return wanted.filter((id) => present.has(id));
  }

  private setStatus(tx: Queryable, id: string, status: InstallationStatus, reason: string | null) {
    return tx.query(
      `UPDATE installations SET status = $2, status_reason = $3, updated_by = 'system', updated_at = now()
        WHERE id = $1`,
      [id, status, reason],
    );
  }

  private origin(row: DeployRow) {
    return { tenantSlug: row.organization_slug, actor: SYSTEM_ACTOR };
  }

  private eventData(row: DeployRow) {
    return {
      installationId: row.id,
      requestId: row.request_id,
      catalogEntryId: row.catalog_entry_id,
      gatewayIds: row.gateway_ids ?? [],
    };
  }
}
