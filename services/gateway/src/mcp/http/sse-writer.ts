import type { ServerResponse } from 'node:http';

const KEEP_ALIVE_MS = 15_000;

/**
 * One Server-Sent Events response. Comments keep idle streams alive through proxies that cut silent connections
 * (a reported pain with long tool calls); every event gets an id so a client can say where it stopped.
 */
export class SseWriter {
  private nextId = 1;
  private readonly keepAlive: NodeJS.Timeout;
  private ended = false;

  constructor(
    private readonly res: ServerResponse,
    headers: Record<string, string> = {},
  ) {
    res.writeHead(200, {
      'Content-Type': 'text/event-stream',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
      ...headers,
    });
    res.flushHeaders();
    this.keepAlive = setInterval(() => this.res.write(': keep-alive\n\n'), KEEP_ALIVE_MS);
    res.once('close', () => this.stop());
  }

  get closed(): boolean {
    return this.ended || this.res.destroyed;
  }

  /** Writes one event; returns the size of its JSON data in bytes (0 once the stream is closed). */
  send(message: unknown): number {
    if (this.closed) return 0;
    const data = JSON.stringify(message);
    this.res.write(`id: ${this.nextId++}\nevent: message\ndata: ${data}\n\n`);
    return Buffer.byteLength(data);
  }

  end(): void {
    this.stop();
    if (!this.res.writableEnded) this.res.end();
  }

  private stop(): void {
    this.ended = true;
    clearInterval(this.keepAlive);
  }
}
