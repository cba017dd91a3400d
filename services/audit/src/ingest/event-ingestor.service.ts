import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { EVENTS_SUBJECT_FILTER } from '@portcullis/contracts';
import { BusConnection } from '@portcullis/messaging';
import { Metrics } from '@portcullis/observability';
import { Database } from '@portcullis/persistence';
import { LOGGER } from '@portcullis/service-kit';
import { AckPolicy, type JsMsg, nanos, type NatsConnection } from 'nats';
import type { Logger } from 'pino';
import { Counter } from 'prom-client';
import { type DeadLetterRow, storedEnvelopeSchema } from './event-rows';

const CONSUMER = 'audit';
const BATCH = 500;

/**
 * Moves events from the stream into Postgres: one durable consumer shared by every audit replica, batched
 * inserts, acknowledgement only after the commit, and `ON CONFLICT DO NOTHING` on the event id, so a redelivery
 * never makes a second row. Envelopes that fail validation are kept in `dead_letters`, never dropped.
 */
@Injectable()
export class EventIngestor implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private running = false;
  private loop: Promise<void> | undefined;
  private readonly ingested: Counter<'outcome'>;

  constructor(
    private readonly bus: BusConnection,
    private readonly db: Database,
    metrics: Metrics,
    @Inject(LOGGER) private readonly log: Logger,
  ) {
    this.ingested = new Counter({
      name: 'portcullis_audit_events_ingested_total',
      help: 'Events taken from the stream, by outcome (stored, duplicate, dead_letter).',
      labelNames: ['outcome'],
      registers: [metrics.registry],
    });
  }

  onApplicationBootstrap(): void {
    this.running = true;
    this.bus.onConnected(async (nc) => {
      await this.ensureConsumer(nc);
      this.loop ??= this.consume();
    });
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  private async ensureConsumer(nc: NatsConnection): Promise<void> {
    const { eventsStream, prefix } = this.bus.options;
    const jsm = await nc.jetstreamManager();
    await jsm.consumers.add(eventsStream, {
      durable_name: CONSUMER,
      ack_policy: AckPolicy.Explicit,
      filter_subject: `${prefix}${EVENTS_SUBJECT_FILTER}`,
      ack_wait: nanos(30_000),
      max_ack_pending: 20_000,
    });
  }

  private async consume(): Promise<void> {
    await this.db.whenInitialised;
    while (this.running) {
      try {
        const js = this.bus.jetstream();
        if (!js) {
          await this.pause(500);
          continue;
        }
        const consumer = await js.consumers.get(this.bus.options.eventsStream, CONSUMER);
        const batch: JsMsg[] = [];
        for await (const msg of await consumer.fetch({ max_messages: BATCH, expires: 1_000 })) batch.push(msg);
        if (batch.length > 0) await this.store(batch);
      } catch (error) {
        this.log.warn({ err: error }, 'audit ingestion interrupted; retrying');
        await this.pause(1_000);
      }
    }
  }

  private async store(batch: JsMsg[]): Promise<void> {
    const rows: unknown[][] = [];
    const dead: DeadLetterRow[] = [];
    for (const msg of batch) {
      const text = msg.string();
      let parsed: ReturnType<typeof storedEnvelopeSchema.safeParse> | undefined;
      try {
        parsed = storedEnvelopeSchema.safeParse(JSON.parse(text));
      } catch {
        parsed = undefined;
      }
      if (parsed?.success) {
        const e = parsed.data;
        rows.push([
          e.id,
          e.type,
          e.occurredAt,
          e.tenant,
          e.actor.type,
          e.actor.id,
          e.traceparent,
          JSON.stringify(e.data),
          msg.seq,
        ]);
      } else {
        const error = parsed
          ? parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')
          : 'not JSON';
        dead.push({ subject: msg.subject, sequence: msg.seq, payload: text, error });
      }
    }
    const stored = await this.db.dataSource.transaction(async (tx) => {
      let inserted = 0;
      if (rows.length > 0) {
        const placeholders = rows.map(
          (_, r) => `(${Array.from({ length: 9 }, (_, c) => `$${r * 9 + c + 1}`).join(',')})`,
        );
        const result: unknown = await tx.query(
          `INSERT INTO events (id, type, occurred_at, tenant, actor_type, actor_id, traceparent, data, stream_sequence)
           VALUES ${placeholders.join(',')} ON CONFLICT (id) DO NOTHING RETURNING id`,
          rows.flat(),
        );
        inserted = Array.isArray(result) ? result.length : 0;
      }
      for (const d of dead) {
        await tx.query(
          'INSERT INTO dead_letters (subject, stream_sequence, payload, error) VALUES ($1, $2, $3, $4) ON CONFLICT (stream_sequence) DO NOTHING',
          [d.subject, d.sequence, d.payload, d.error],
        );
      }
      return inserted;
    });
    for (const msg of batch) msg.ack();
    this.ingested.inc({ outcome: 'stored' }, stored);
    this.ingested.inc({ outcome: 'duplicate' }, rows.length - stored);
    this.ingested.inc({ outcome: 'dead_letter' }, dead.length);
    if (dead.length > 0) this.log.warn({ count: dead.length }, 'events failed validation; kept in dead_letters');
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms).unref());
  }
}
