import { Inject, Injectable } from '@nestjs/common';
import { AppConfig } from '@portcullis/config';
import { LOGGER } from '@portcullis/service-kit';
import type { Logger } from 'pino';
import type { RegistryEnv } from '../env';

const TIMEOUT_MS = 10_000;

/** What approvers' systems receive: the request without configuration values or credentials. */
export interface ApprovalWebhookBody {
  type: 'installation-request.created' | 'installation-request.reminded';
  organization: string;
  request: {
    id: string;
    serverName: string;
    custom: boolean;
    scope: string;
    subjectId: string;
    requestedBy: string;
    note: string | null;
    createdAt: string;
    expiresAt: string;
  };
}

/**
 * POSTs workflow notifications to the optional REQUESTS_WEBHOOK_URL. A failure (network, timeout, non-2xx) throws,
 * so the job retries with backoff; the same delivery carries the same `Idempotency-Key`.
 */
@Injectable()
export class ApprovalWebhook {
  private readonly url: string | undefined;

  constructor(
    config: AppConfig<RegistryEnv>,
    @Inject(LOGGER) private readonly log: Logger,
  ) {
    this.url = config.get('REQUESTS_WEBHOOK_URL');
  }

  get configured(): boolean {
    return this.url !== undefined;
  }

  async post(body: ApprovalWebhookBody): Promise<void> {
    if (!this.url) return;
    const response = await fetch(this.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'portcullis-registry',
        'idempotency-key': `${body.type}:${body.request.id}`,
      },
      body: JSON.stringify(body),
      redirect: 'error',
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    await response.body?.cancel();
    if (!response.ok) throw new Error(`approval webhook answered ${response.status}`);
    this.log.info({ type: body.type, request: body.request.id }, 'approval webhook delivered');
  }
}
