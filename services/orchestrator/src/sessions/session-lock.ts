/**
 * One holder at a time per key, in arrival order. A 2025-11-25 stdio upstream cannot say which call a sampling,
 * elicitation or roots request belongs to, so a pooled session runs one call that may ask the client at a time.
 */
export class SessionLock {
  private readonly tails = new Map<string, Promise<void>>();

  /** Resolves with a release function once the key is free; rejects after `timeoutMs` of waiting. */
  async acquire(key: string, timeoutMs: number): Promise<() => void> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => mine);
    this.tails.set(key, tail);
    let released = false;
    const done = () => {
      if (released) return;
      released = true;
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    };
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
    const outcome = await Promise.race([previous.then(() => 'free' as const), timedOut]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      // Our turn may still come; hand it straight on so nobody queued behind us waits for nothing.
      void previous.then(done);
      throw new Error(`another call on this session kept it busy for ${timeoutMs} ms`);
    }
    return done;
  }
}
