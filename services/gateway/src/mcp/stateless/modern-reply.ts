import type { ServerResponse } from 'node:http';
import { sendJson } from '../http/mcp-http.service';
import { SseWriter } from '../http/sse-writer';

/**
 * The answer to one 2026-07-28 request: a single JSON object, or an SSE stream once the request relays something
 * before its result (progress, log messages it asked for). Closing the stream is the client's cancellation.
 */
export class ModernReply {
  private sse?: SseWriter;
  bytes = 0;

  constructor(private readonly res: ServerResponse) {}

  get closed(): boolean {
    return this.res.destroyed || this.res.writableEnded;
  }

  notify(message: unknown): void {
    this.sse ??= new SseWriter(this.res);
    this.sse.send(message);
  }

  /** The final response; an HTTP status other than 200 only while nothing was streamed yet. */
  finish(body: unknown, status = 200): void {
    this.bytes = JSON.stringify(body).length;
    if (this.sse) {
      this.sse.send(body);
      this.sse.end();
    } else sendJson(this.res, status, body);
  }

  /** Resolves when the client goes away before the answer is complete. */
  onClose(listener: () => void): void {
    this.res.once('close', () => {
      if (!this.res.writableEnded) listener();
    });
  }
}
