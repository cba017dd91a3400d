import { type BeforeApplicationShutdown, Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { BusConnection } from '@portcullis/messaging';
import { Metrics } from '@portcullis/observability';
import { LOGGER } from '@portcullis/service-kit';
import type { JetStreamManager, NatsConnection } from 'nats';
import type { Logger } from 'pino';
import { Gauge } from 'prom-client';

/** The durable consumer the ingestor reads the events stream with (services/audit/src/ingest). */
export const AUDIT_CONSUMER = 'audit';
/** Often enough to see a backlog build up; each poll is one small JetStream API request. */
export const CONSUMER_LAG_POLL_MS = 5_000;

/**
 * `portcullis_audit_consumer_pending`: events in the stream the audit consumer has not stored yet (not delivered,
 * plus delivered and not acknowledged). Every audit replica reports the same shared consumer, so dashboards take
 * `max`, not `sum`. While the number cannot be read (NATS down, consumer not created yet) the series is absent
 * rather than stale.
 */
@Injectable()
export class ConsumerLag implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly pending: Gauge<'stream' | 'consumer'>;
  private timer: NodeJS.Timeout | undefined;
  private manager: { nc: NatsConnection; jsm: JetStreamManager } | undefined;
  private polling = false;

  constructor(
    private readonly bus: BusConnection,
    metrics: Metrics,
    @Inject(LOGGER) private readonly log: Logger,
  ) {
    this.pending = new Gauge({
      name: 'portcullis_audit_consumer_pending',
      help: 'Events the audit consumer has yet to store: JetStream num_pending + num_ack_pending.',
      // Labelled (also) because prom-client resets a gauge without labels to 0, and unknown is not 0.
      labelNames: ['stream', 'consumer'],
      registers: [metrics.registry],
    });
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.poll(), CONSUMER_LAG_POLL_MS);
    this.timer.unref();
    void this.poll();
  }

  beforeApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** Reads the consumer's counters once; never throws. */
  async poll(): Promise<void> {
    if (this.polling) return; // a slow JetStream answer must not pile up requests
    this.polling = true;
    try {
      const jsm = await this.jetstreamManager();
      if (!jsm) return this.pending.reset();
      const stream = this.bus.options.eventsStream;
      const info = await jsm.consumers.info(stream, AUDIT_CONSUMER);
      this.pending.set({ stream, consumer: AUDIT_CONSUMER }, info.num_pending + info.num_ack_pending);
    } catch (error) {
      this.log.debug({ err: error }, 'audit consumer lag not readable');
      this.pending.reset();
    } finally {
      this.polling = false;
    }
  }

  private async jetstreamManager(): Promise<JetStreamManager | undefined> {
    const nc = this.bus.connection;
    if (!nc) return undefined;
    if (this.manager?.nc !== nc) this.manager = { nc, jsm: await nc.jetstreamManager({ checkAPI: false }) };
    return this.manager.jsm;
  }
}
