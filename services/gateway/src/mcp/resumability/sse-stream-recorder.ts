import type { Redis } from 'ioredis';
import type { NatsConnection } from 'nats';
import type { Logger } from 'pino';
import type { SseSink } from '../http/sse-writer';
import { SseRingBudget } from './sse-ring-budget';
import type { SseLogLimits, SseStreamKeys } from './sse-stream-keys';

const encoder = new TextEncoder();

/**
 * Records one stream's events in its Redis log and then announces each on the stream's NATS subject, for replicas
 * serving a client that resumed the stream elsewhere. Nothing here delays the client: the event has been written
 * to the response before `record` is called, and the Redis commands of a tick's events go in one pipeline, not awaited. Commands
 * on one connection run in order, so the log keeps the stream's order; an event is announced only once it is in the
 * log, so a replica that subscribes and then reads the log misses nothing in between.
 */
export class SseStreamRecorder implements SseSink {
  private readonly budget: SseRingBudget;
  private readonly refresh: NodeJS.Timeout;
  private warned = false;
  private batch: string[] = [];
  /** Oldest entries to trim from the log with the next batch. */
  private drop = 0;

  constructor(
    private readonly redis: Redis,
    private readonly nc: NatsConnection | undefined,
    private readonly keys: SseStreamKeys,
    private readonly limits: SseLogLimits,
    meta: Record<string, string>,
    private readonly log: Logger,
  ) {
    this.budget = new SseRingBudget(limits.maxEvents, limits.maxBytes);
    this.apply(this.redis.pipeline().hset(keys.meta, meta).pexpire(keys.meta, limits.ttlMs), []);
    // A quiet stream stays resumable for as long as it is open: the TTL counts from its last sign of life.
    this.refresh = setInterval(() => this.touch(), Math.max(1_000, Math.floor(limits.ttlMs / 3)));
    this.refresh.unref();
  }

  record(seq: number, data: string): void {
    this.append(`{"s":${seq},"m":${data}}`);
  }

  end(lastSeq: number): void {
    clearInterval(this.refresh);
    this.append(`{"s":${lastSeq + 1},"end":true}`);
  }

  /** Events of one tick go to Redis in one pipeline: one RPUSH, at most one LTRIM. */
  private append(entry: string): void {
    this.drop += this.budget.add(Buffer.byteLength(entry));
    this.batch.push(entry);
    if (this.batch.length === 1) setImmediate(() => this.flush());
  }

  private flush(): void {
    const entries = this.batch;
    const drop = this.drop;
    this.batch = [];
    this.drop = 0;
    const pipeline = this.redis.pipeline().rpush(this.keys.events, ...entries);
    if (drop > 0) pipeline.ltrim(this.keys.events, drop, -1);
    pipeline.pexpire(this.keys.events, this.limits.ttlMs).pexpire(this.keys.meta, this.limits.ttlMs);
    this.apply(pipeline, entries);
  }

  private touch(): void {
    this.apply(
      this.redis.pipeline().pexpire(this.keys.events, this.limits.ttlMs).pexpire(this.keys.meta, this.limits.ttlMs),
      [],
    );
  }

  private apply(pipeline: ReturnType<Redis['pipeline']>, announce: string[]): void {
    pipeline
      .exec()
      .then((results) => {
        const failed = results?.find(([error]) => error)?.[0];
        if (failed) this.warn(failed);
      })
      .catch((error: unknown) => this.warn(error))
      .finally(() => {
        // Announced even when the log write failed: a client following the stream live still gets the event.
        const nc = this.nc;
        if (nc && !nc.isClosed()) for (const entry of announce) nc.publish(this.keys.subject, encoder.encode(entry));
      });
  }

  private warn(error: unknown): void {
    if (this.warned) return;
    this.warned = true;
    this.log.warn({ err: error, stream: this.keys.stream }, 'SSE event log not written; this stream cannot be resumed');
  }
}
