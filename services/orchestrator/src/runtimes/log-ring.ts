import type { FollowLogsOptions, LogLine } from './runtime.types';

export interface LogRingOptions {
  maxLines: number;
  maxLineLength: number;
}

interface Follower {
  queue: LogLine[];
  wake: () => void;
}

/**
 * The last `maxLines` log lines of one instance, with live followers. Memory stays bounded however much a server
 * writes: lines are truncated, the oldest lines go first, and a follower that reads slower than the server writes
 * loses its oldest queued lines (the gap shows in `seq`).
 */
export class LogRing {
  private readonly lines: LogLine[] = [];
  private start = 0;
  private seq = 0;
  private closed = false;
  private readonly followers = new Set<Follower>();

  constructor(
    private readonly instanceId: string,
    private readonly options: LogRingOptions,
    private readonly onLine: (line: LogLine) => void = () => undefined,
  ) {}

  push(stream: LogLine['stream'], text: string): LogLine {
    const limit = this.options.maxLineLength;
    const line: LogLine = {
      instanceId: this.instanceId,
      seq: ++this.seq,
      at: new Date().toISOString(),
      stream,
      text: text.length > limit ? `${text.slice(0, limit)}…` : text,
    };
    if (this.lines.length < this.options.maxLines) this.lines.push(line);
    else {
      this.lines[this.start] = line;
      this.start = (this.start + 1) % this.options.maxLines;
    }
    for (const follower of this.followers) {
      follower.queue.push(line);
      if (follower.queue.length > this.options.maxLines) follower.queue.shift();
      follower.wake();
    }
    this.onLine(line);
    return line;
  }

  snapshot(): LogLine[] {
    return [...this.lines.slice(this.start), ...this.lines.slice(0, this.start)];
  }

  /** Ends every follower; the buffered lines stay readable. */
  close(): void {
    this.closed = true;
    for (const follower of this.followers) follower.wake();
  }

  async *follow({ signal, backlog = false }: FollowLogsOptions = {}): AsyncGenerator<LogLine> {
    const follower: Follower = { queue: backlog ? this.snapshot() : [], wake: () => undefined };
    const onAbort = () => follower.wake();
    this.followers.add(follower);
    signal?.addEventListener('abort', onAbort);
    try {
      while (!signal?.aborted) {
        const next = follower.queue.shift();
        if (next) {
          yield next;
          continue;
        }
        if (this.closed) return;
        await new Promise<void>((resolve) => (follower.wake = resolve));
      }
    } finally {
      this.followers.delete(follower);
      signal?.removeEventListener('abort', onAbort);
    }
  }
}
