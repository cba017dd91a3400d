import { headers as natsHeaders } from 'nats';
import type { Logger } from 'pino';
import type { BusConnection } from './bus-connection';
import type { EventOutbox, OutboxEvent } from './event-outbox';
import type { OutboxMetrics } from './outbox-metrics';

export interface OutboxRelayOptions {
  /** How long to wait for the stream's acknowledgement of each relayed event. */
  ackTimeoutMs: number;
  /** Events claimed per transaction. */
  batchSize?: number;
  /** How often an idle relay looks for events (left by other replicas, or by a crash) and refreshes the gauge. */
  idleMs?: number;
}

type Pass = { claimed: number; sent: number } | 'error';

const encoder = new TextEncoder();
const MAX_BACKOFF_MS = 5_000;
/** Another replica's relay holds the remaining rows: look again soon. */
const BUSY_MS = 250;

/**
 * Drains the outbox into the stream, oldest first, as soon as the bus is there: claims a batch (rows other replicas
 * hold are skipped), publishes it with the event ids as `Nats-Msg-Id`, and deletes what the stream acknowledged in
 * the same transaction. A crash between the acknowledgement and the commit re-sends those events later; the stream's
 * duplicate window and audit's idempotency on the id keep them single.
 */
export class OutboxRelay {
  private backlog = false;
  /** Bumped by every write to the outbox, so a count taken before a write cannot clear the backlog after it. */
  private appends = 0;
  private stopping = false;
  private healthy = true;
  private wake: (() => void) | undefined;
  private running: Promise<void> | undefined;
  private readonly batchSize: number;
  private readonly idleMs: number;

  constructor(
    private readonly bus: BusConnection,
    private readonly outbox: EventOutbox,
    private readonly metrics: OutboxMetrics,
    private readonly log: Logger,
    private readonly options: OutboxRelayOptions,
  ) {
    this.batchSize = options.batchSize ?? 200;
    this.idleMs = options.idleMs ?? 2_000;
  }

  /** True while this replica's events wait in the outbox: new ones then go behind them, keeping their order. */
  get hasBacklog(): boolean {
    return this.backlog;
  }

  start(): void {
    if (this.running) return;
    this.bus.onConnected(() => this.kick());
    this.running = this.loop();
  }

  /** An event went to the outbox. */
  appended(): void {
    this.backlog = true;
    this.appends++;
    if (this.bus.jetstream()) this.kick();
  }

  /**
   * Stops after the pass in progress (whose transaction commits or rolls back: nothing is lost either way), then
   * relays what it can within `flushMs` so a replica that goes away for good leaves little behind.
   */
  async stop(flushMs: number): Promise<void> {
    this.stopping = true;
    this.kick();
    await this.running;
    const deadline = Date.now() + flushMs;
    while (this.backlog && this.bus.jetstream() && Date.now() < deadline) {
      const pass = await this.pass();
      if (pass === 'error' || pass.claimed === 0 || pass.sent < pass.claimed) break;
      if (pass.claimed < this.batchSize) await this.refreshPending();
    }
  }

  private kick(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private async loop(): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      const pass = await this.pass();
      if (this.stopping) break;
      if (pass === 'error' || pass.sent < pass.claimed) {
        failures++;
        await this.sleep(Math.min(100 * 2 ** failures, MAX_BACKOFF_MS));
        continue;
      }
      failures = 0;
      if (pass.claimed === this.batchSize) continue;
      await this.refreshPending();
      const connected = this.bus.jetstream() !== undefined;
      if (this.backlog && connected && pass.claimed > 0) continue;
      await this.sleep(this.backlog && connected ? BUSY_MS : this.idleMs);
    }
  }

  private async pass(): Promise<Pass> {
    if (!this.bus.jetstream()) return { claimed: 0, sent: 0 };
    let sent = 0;
    try {
      const claimed = await this.outbox.relay(this.batchSize, async (events) => {
        const acked = await this.send(events);
        sent = acked.length;
        return acked;
      });
      this.metrics.count('relayed', sent);
      if (!this.healthy) this.log.info('outbox relay working again');
      this.healthy = true;
      return { claimed, sent };
    } catch (error) {
      if (this.healthy) this.log.warn({ err: error }, 'outbox relay failed; retrying with backoff');
      this.healthy = false;
      return 'error';
    }
  }

  /** Publishes a batch pipelined on the one connection (so the stream receives it in order); returns the acked ids. */
  private async send(events: OutboxEvent[]): Promise<string[]> {
    const js = this.bus.jetstream();
    if (!js) return [];
    const prefix = this.bus.options.prefix;
    const results = await Promise.allSettled(
      events.map((event) => {
        const headers = natsHeaders();
        for (const [key, value] of Object.entries(event.headers)) headers.set(key, value);
        return js.publish(`${prefix}${event.type}`, encoder.encode(event.payload), {
          msgID: event.id,
          headers,
          timeout: this.options.ackTimeoutMs,
        });
      }),
    );
    const acked = events.filter((_, i) => results[i].status === 'fulfilled').map((event) => event.id);
    if (acked.length < events.length) {
      this.metrics.count('failed', events.length - acked.length);
      const reason = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')?.reason as unknown;
      this.log.debug(
        { err: reason, failed: events.length - acked.length },
        'stream did not acknowledge relayed events',
      );
    }
    return acked;
  }

  private async refreshPending(): Promise<void> {
    const appendsBefore = this.appends;
    try {
      const pending = await this.outbox.pending();
      this.metrics.pending.set(pending);
      if (pending > 0) this.backlog = true;
      else if (this.appends === appendsBefore) this.backlog = false;
    } catch {
      // Postgres is away: the relay's own pass reports that; the gauge keeps its last value.
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        if (this.wake === done) this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      timer.unref();
      this.wake = done;
    });
  }
}
