import { Injectable } from '@nestjs/common';
import { installationRequestExpired, installationRequestReminded } from '@portcullis/contracts';
import { RegistryDb } from '../http/registry-db';
import { SecretStore } from '../secrets/secret-store';
import { ApprovalWebhook, type ApprovalWebhookBody } from './approval-webhook';
import { findRequest, requestEventData, type RequestRow } from './request-rows';
import { TransactionalEvents } from './transactional-events';

export const SYSTEM_ACTOR = { type: 'system', id: 'registry' } as const;

const webhookBody = (type: ApprovalWebhookBody['type'], row: RequestRow): ApprovalWebhookBody => ({
  type,
  organization: row.organization_slug,
  request: {
    id: row.id,
    serverName: row.server_name,
    custom: row.custom_entry !== null,
    scope: row.scope,
    subjectId: row.subject_id,
    requestedBy: row.requested_by,
    note: row.note,
    createdAt: row.created_at.toISOString(),
    expiresAt: row.expires_at.toISOString(),
  },
});

/**
 * The steps a pending request's timers run. Each checks the request's state under a row lock and changes it with
 * its event in one transaction, so running a step again (a retry, a job resumed after a crash) does nothing twice.
 * Webhook deliveries are at least once: a crash after the POST and before the job completes repeats it.
 */
@Injectable()
export class RequestTimerSteps {
  constructor(
    private readonly db: RegistryDb,
    private readonly events: TransactionalEvents,
    private readonly secrets: SecretStore,
    private readonly webhook: ApprovalWebhook,
  ) {}

  async notify(requestId: string): Promise<string> {
    const row = await findRequest(this.db, requestId);
    if (!row || row.status !== 'pending' || row.notified_at) return 'nothing to do';
    await this.webhook.post(webhookBody('installation-request.created', row));
    await this.db.query('UPDATE installation_requests SET notified_at = now() WHERE id = $1', [requestId]);
    return 'notified';
  }

  async remind(requestId: string): Promise<string> {
    const row = await this.db.transaction(async (tx) => {
      const found = await findRequest(tx, requestId, true);
      if (!found || found.status !== 'pending') return undefined;
      if (!found.reminded_at) {
        await tx.query('UPDATE installation_requests SET reminded_at = now(), updated_at = now() WHERE id = $1', [
          requestId,
        ]);
        await this.events.write(
          tx,
          { tenantSlug: found.organization_slug, actor: SYSTEM_ACTOR },
          installationRequestReminded,
          { ...requestEventData(found), expiresAt: found.expires_at.toISOString() },
        );
      }
      return found;
    });
    if (!row) return 'nothing to do';
    await this.webhook.post(webhookBody('installation-request.reminded', row));
    return 'reminded';
  }

  async expire(requestId: string): Promise<string> {
    return this.db.transaction(async (tx) => {
      const row = await findRequest(tx, requestId, true);
      if (!row || row.status !== 'pending') return 'nothing to do';
      if (row.expires_at.getTime() > Date.now()) throw new Error('the request does not expire yet');
      const [{ decided_at }] = await tx.query<{ decided_at: Date }>(
        `UPDATE installation_requests SET status = 'expired', decided_by = 'system', decided_at = now(),
           decision_reason = 'Nobody decided on the request in time; it was declined automatically.',
           updated_at = now()
         WHERE id = $1 RETURNING decided_at`,
        [requestId],
      );
      // The credentials sent with the request belong to an installation that will not exist.
      await this.secrets.removeAll(tx, {
        organizationId: row.organization_id,
        ownerType: 'installation',
        ownerId: row.installation_id,
      });
      await this.events.write(
        tx,
        { tenantSlug: row.organization_slug, actor: SYSTEM_ACTOR },
        installationRequestExpired,
        { ...requestEventData(row), expiredAt: decided_at.toISOString() },
      );
      return 'expired';
    });
  }
}
