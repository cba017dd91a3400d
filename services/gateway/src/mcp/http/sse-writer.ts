import type { ServerResponse } from 'node:http';
import { formatEventId, newStreamId } from '../resumability/sse-event-id';

const KEEP_ALIVE_MS = 15_000;

/** Where a resumable stream's events go besides the client: the stream's log, for a client that reconnects. */
export interface SseSink {
  /** One event, as sent (or as it would have been sent, had the client still been connected). */
  record(seq: number, data: string): void;
  /** The stream is over; `lastSeq` is the last event's sequence number. */
  end(lastSeq: number): void;
}

export interface SseWriterOptions {
  /** The stream's id (a new one by default); a resumed stream keeps the id it had. */
  stream?: string;
  /** Send a priming event (an id and empty data) with this `retry` first, so the client can resume from the start. */
  primeRetryMs?: number;
  sink?: SseSink;
  /** The sequence number of the last event the client already has (a resumed stream continues after it). */
  firstSeq?: number;
  /** The response is already an event stream (a resumed stream handing over to a new one): no status line. */
  headersSent?: boolean;
}

/**
 * One Server-Sent Events response. Comments keep idle streams alive through proxies that cut silent connections
 * (a reported pain with long tool calls). Every event carries an id `s1.<stream>.<seq>` naming its stream, so a
 * client that lost the connection can say where it stopped; with a sink, events go on being recorded after the
 * client left, until `end()`.
 */
export class SseWriter {
  readonly stream: string;
  private seq = 0;
  private readonly keepAlive: NodeJS.Timeout;
  private ended = false;
  private finished = false;
  private readonly sink?: SseSink;

  constructor(
    private readonly res: ServerResponse,
    headers: Record<string, string> = {},
    options: SseWriterOptions = {},
  ) {
    this.stream = options.stream ?? newStreamId();
    this.sink = options.sink;
    this.seq = options.firstSeq ?? 0;
    if (!options.headersSent) {
      res.writeHead(200, {
        'Content-Type': 'text/event-stream',
        'Cache-Control': 'no-cache, no-transform',
        Connection: 'keep-alive',
        'X-Accel-Buffering': 'no',
        ...headers,
      });
      res.flushHeaders();
    }
    if (options.primeRetryMs !== undefined)
      res.write(`id: ${formatEventId(this.stream, 0)}\nretry: ${options.primeRetryMs}\ndata: \n\n`);
    this.keepAlive = setInterval(() => this.res.write(': keep-alive\n\n'), KEEP_ALIVE_MS);
    res.once('close', () => this.stop());
  }

  get closed(): boolean {
    return this.ended || this.res.destroyed;
  }

  /** Writes one event; returns the size of its JSON data in bytes (0 once the stream is closed). */
  send(message: unknown): number {
    if (this.finished) return 0;
    const data = JSON.stringify(message);
    const seq = ++this.seq;
    const written = this.write(seq, data);
    this.sink?.record(seq, data);
    return written;
  }

  /** Writes an event recorded earlier under its own sequence number (a replay on a resumed stream). */
  forward(seq: number, data: string): number {
    this.seq = Math.max(this.seq, seq);
    return this.write(seq, data);
  }

  /** Ends the stream for the client and for its log. */
  end(): void {
    this.detach();
    if (!this.res.writableEnded) this.res.end();
  }

  /** Ends the stream for its log but leaves the response open, for a stream that takes over from this one. */
  detach(): void {
    this.stop();
    if (this.finished) return;
    this.finished = true;
    this.sink?.end(this.seq);
  }

  private write(seq: number, data: string): number {
    if (this.closed) return 0;
    this.res.write(`id: ${formatEventId(this.stream, seq)}\nevent: message\ndata: ${data}\n\n`);
    return Buffer.byteLength(data);
  }

  private stop(): void {
    this.ended = true;
    clearInterval(this.keepAlive);
  }
}
