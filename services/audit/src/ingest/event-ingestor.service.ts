import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig } from '@portcullis/config';
import { EVENTS_SUBJECT_FILTER } from '@portcullis/contracts';
import { BusConnection } from '@portcullis/messaging';
import { Database } from '@portcullis/persistence';
import { LOGGER } from '@portcullis/service-kit';
import { AckPolicy, type ConsumerMessages, type JsMsg, nanos, type NatsConnection } from 'nats';
import type { Logger } from 'pino';
import { ChainHasher } from '../chain/chain-hash';
import type { AuditEnv } from '../env';
import { AuditMaintenance } from '../retention/audit-maintenance.service';
import { AuditMetrics } from './audit-metrics';
import { EventBatchStore, type IncomingEvent, type PreparedBatch } from './event-batch-store';
import { envelopeProblems } from './event-rows';

const CONSUMER = 'audit';

interface Delivered extends IncomingEvent {
  msg: JsMsg;
}

/** A one-shot wake-up: `wait()` resolves at the next `wake()`. */
class Signal {
  private waiting: (() => void) | undefined;
  wait(): Promise<void> {
    return new Promise((resolve) => (this.waiting = resolve));
  }
  wake(): void {
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.();
  }
}

function check(msg: JsMsg): Delivered {
  const text = msg.string();
  let problems: string[];
  try {
    problems = envelopeProblems(JSON.parse(text));
  } catch {
    problems = ['not JSON'];
  }
  return { msg, subject: msg.subject, sequence: msg.seq, text, problems };
}

/**
 * Moves events from the stream into Postgres. One durable pull consumer shared by every audit replica; a reader
 * keeps up to AUDIT_FETCH_SIZE messages coming and checks each on arrival, while a writer stores whatever has
 * arrived (up to AUDIT_BATCH_SIZE) as soon as the previous batch committed — batches grow with the backlog, and
 * a lone event is stored at once. Acknowledgement only after the commit, so a crash loses nothing: what was not
 * acknowledged is redelivered and de-duplicated. Envelopes that fail validation are kept in `dead_letters`.
 */
@Injectable()
export class EventIngestor implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private running = false;
  private reader: Promise<void> | undefined;
  private writer: Promise<void> | undefined;
  private messages: ConsumerMessages | undefined;
  private readonly buffer: Delivered[] = [];
  private readonly arrived = new Signal();
  private readonly drained = new Signal();
  private readonly store: EventBatchStore;
  private readonly batchSize: number;

  constructor(
    private readonly bus: BusConnection,
    private readonly db: Database,
    private readonly metrics: AuditMetrics,
    private readonly config: AppConfig<AuditEnv>,
    hasher: ChainHasher,
    private readonly maintenance: AuditMaintenance,
    @Inject(LOGGER) private readonly log: Logger,
  ) {
    this.store = new EventBatchStore(db.dataSource, hasher);
    this.batchSize = config.get('AUDIT_BATCH_SIZE');
  }

  onApplicationBootstrap(): void {
    this.running = true;
    this.bus.onConnected(async (nc) => {
      await this.ensureConsumer(nc);
      this.reader ??= this.read();
      this.writer ??= this.write();
    });
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.running = false;
    this.messages?.stop();
    this.arrived.wake();
    this.drained.wake();
    await this.reader;
    await this.writer;
  }

  private async ensureConsumer(nc: NatsConnection): Promise<void> {
    const { eventsStream, prefix } = this.bus.options;
    const jsm = await nc.jetstreamManager();
    const settings = {
      ack_wait: nanos(this.config.get('AUDIT_ACK_WAIT_MS')),
      max_ack_pending: Math.max(20_000, 2 * (this.config.get('AUDIT_FETCH_SIZE') + this.batchSize)),
    };
    try {
      await jsm.consumers.add(eventsStream, {
        durable_name: CONSUMER,
        ack_policy: AckPolicy.Explicit,
        filter_subject: `${prefix}${EVENTS_SUBJECT_FILTER}`,
        ...settings,
      });
    } catch (error) {
      // Older servers refuse to "add" a durable whose settings differ; those two may be edited in place.
      const existing = await jsm.consumers.info(eventsStream, CONSUMER).catch(() => undefined);
      if (!existing) throw error;
      await jsm.consumers.update(eventsStream, CONSUMER, settings);
    }
  }

  /** Pulls messages into the buffer; stops pulling while a full batch is waiting (the writer is behind). */
  private async read(): Promise<void> {
    await this.db.whenInitialised;
    await this.maintenance.firstRun;
    while (this.running) {
      try {
        const js = this.bus.jetstream();
        if (!js) {
          await this.pause(500);
          continue;
        }
        const consumer = await js.consumers.get(this.bus.options.eventsStream, CONSUMER);
        this.messages = await consumer.consume({ max_messages: this.config.get('AUDIT_FETCH_SIZE'), expires: 5_000 });
        if (!this.running) this.messages.stop();
        for await (const msg of this.messages) {
          this.buffer.push(check(msg));
          this.arrived.wake();
          while (this.running && this.buffer.length >= this.batchSize) await this.drained.wait();
          if (!this.running) break;
        }
        if (this.running) await this.pause(250); // the subscription ended under us (reconnect, consumer recreated)
      } catch (error) {
        this.log.warn({ err: error }, 'audit consumer interrupted; retrying');
        await this.pause(1_000);
      }
    }
    this.arrived.wake();
  }

  /**
   * Stores what has arrived, batch after batch, in a two-stage pipeline: while one batch holds the chain lock and
   * commits, Postgres already canonicalises the next on another connection. On shutdown it finishes what is
   * buffered (if Postgres lets it).
   */
  private async write(): Promise<void> {
    let committing: Promise<void> = Promise.resolve();
    while (this.running || this.buffer.length > 0) {
      if (this.buffer.length === 0) {
        await this.arrived.wait();
        continue;
      }
      const batch = this.buffer.splice(0, this.batchSize);
      this.drained.wake();
      // A failed preparation only costs the shortcut: the batch then takes the careful path.
      const prepared = this.store.prepare(batch).catch(() => undefined);
      await committing;
      committing = this.storeUntilDone(batch, prepared);
    }
    await committing;
  }

  private async storeUntilDone(batch: Delivered[], preparing: Promise<PreparedBatch | undefined>): Promise<void> {
    const prepared = await preparing;
    for (let attempt = 0; ; attempt++) {
      const stopTimer = this.metrics.batchDuration.startTimer();
      try {
        const outcome =
          attempt === 0 && prepared ? await this.store.storePrepared(prepared) : await this.store.store(batch);
        stopTimer();
        for (const { msg } of batch) msg.ack();
        this.metrics.ingested.inc({ outcome: 'stored' }, outcome.stored);
        this.metrics.ingested.inc({ outcome: 'duplicate' }, outcome.duplicates);
        this.metrics.ingested.inc({ outcome: 'dead_letter' }, outcome.deadLetters);
        this.metrics.deadLetters.inc(outcome.deadLetters);
        if (outcome.headSeq !== undefined) this.metrics.chainHeadSeq.set(outcome.headSeq);
        if (outcome.deadLetters > 0)
          this.log.warn({ count: outcome.deadLetters }, 'events failed validation; kept in dead_letters');
        return;
      } catch (error) {
        // Not acknowledged: the stream redelivers after AUDIT_ACK_WAIT_MS if this replica gives up (shutdown).
        if (!this.running) return;
        this.log.warn({ err: error, attempt, events: batch.length }, 'storing audit events failed; retrying');
        await this.pause(Math.min(250 * 2 ** attempt, 5_000));
      }
    }
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms).unref());
  }
}
