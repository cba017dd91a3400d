import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';

/** One JSON-RPC message the Streamable HTTP handlers answered with, and the HTTP status it went out with. */
export type CapturedMessage = (message: unknown, status: number) => void;

/**
 * Stands in for the HTTP response the Streamable HTTP handlers write, so the legacy transport reuses them unchanged
 * (auth'd routing, argument validation, relays, telemetry, audit): a JSON answer and every event of an SSE answer
 * become messages for the legacy stream. Only the part of `ServerResponse` those handlers use is implemented.
 */
export class CapturedResponse extends EventEmitter {
  statusCode = 200;
  headersSent = false;
  writableEnded = false;
  destroyed = false;
  private readonly headers = new Map<string, string>();
  private eventStream = false;
  private buffer = '';

  constructor(private readonly onMessage: CapturedMessage) {
    super();
  }

  /** Narrowed to what the handlers take; the methods they call are all here. */
  get asServerResponse(): ServerResponse {
    return this as unknown as ServerResponse;
  }

  header(name: string): string | undefined {
    return this.headers.get(name.toLowerCase());
  }

  writeHead(status: number, headers: Record<string, string | number> = {}): this {
    this.statusCode = status;
    this.headersSent = true;
    for (const [name, value] of Object.entries(headers)) this.headers.set(name.toLowerCase(), String(value));
    this.eventStream = (this.header('content-type') ?? '').startsWith('text/event-stream');
    return this;
  }

  flushHeaders(): void {
    this.headersSent = true;
  }

  write(chunk: string | Buffer): boolean {
    if (this.writableEnded || this.destroyed) return false;
    this.buffer += chunk.toString();
    if (this.eventStream) this.drainEvents();
    return true;
  }

  end(chunk?: string | Buffer): this {
    if (this.writableEnded) return this;
    if (chunk !== undefined) this.write(chunk);
    if (this.eventStream) this.drainEvents();
    else if (this.buffer.trim().length > 0) this.deliver(this.buffer);
    this.buffer = '';
    this.writableEnded = true;
    this.emit('finish');
    this.close();
    return this;
  }

  /** The legacy stream went away: whatever still writes here is dropped, and listeners (cancellation) hear it. */
  destroy(): this {
    this.close();
    return this;
  }

  private close(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.emit('close');
  }

  /** Complete SSE events (blank-line terminated); comments, ids and data-less priming events carry no message. */
  private drainEvents(): void {
    const events = this.buffer.replace(/\r\n?/g, '\n').split('\n\n');
    this.buffer = events.pop() ?? '';
    for (const event of events) {
      const data = event
        .split('\n')
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(line.startsWith('data: ') ? 6 : 5));
      if (data.length > 0 && data.join('').length > 0) this.deliver(data.join('\n'));
    }
  }

  private deliver(text: string): void {
    try {
      this.onMessage(JSON.parse(text) as unknown, this.statusCode);
    } catch {
      // the handlers only write JSON; anything else has no place on a JSON-RPC stream
    }
  }
}
