/**
 * A small map of answers that expire, with in-flight requests shared (one registry round trip per key at a time) and
 * the last answer kept past its expiry so it can stand in while the registry cannot be asked.
 */
export class ExpiringCache<V> {
  private readonly entries = new Map<string, { value: V; until: number }>();
  private readonly inflight = new Map<string, Promise<V>>();
  /** Bumped by clear(): an answer fetched before a clear is not stored as fresh. */
  private generation = 0;

  constructor(private readonly maxEntries = 10_000) {}

  /** The fresh value, or undefined. */
  fresh(key: string, now = Date.now()): V | undefined {
    const hit = this.entries.get(key);
    return hit && hit.until > now ? hit.value : undefined;
  }

  /** The last value stored, fresh or not. */
  stale(key: string): V | undefined {
    return this.entries.get(key)?.value;
  }

  async get(key: string, load: () => Promise<{ value: V; ttlMs: number }>): Promise<V> {
    const hit = this.fresh(key);
    if (hit !== undefined) return hit;
    const running = this.inflight.get(key);
    if (running) return running;
    const generation = this.generation;
    const promise = load()
      .then(({ value, ttlMs }) => {
        if (generation === this.generation) this.set(key, value, ttlMs);
        return value;
      })
      .finally(() => this.inflight.delete(key));
    this.inflight.set(key, promise);
    return promise;
  }

  set(key: string, value: V, ttlMs: number): void {
    if (!this.entries.has(key) && this.entries.size >= this.maxEntries) {
      this.entries.delete(this.entries.keys().next().value!);
    }
    this.entries.set(key, { value, until: Date.now() + ttlMs });
  }

  /** Marks every answer expired (kept only as a stand-in) and forgets requests in flight. */
  expireAll(): void {
    this.generation++;
    this.inflight.clear();
    for (const entry of this.entries.values()) entry.until = 0;
  }
}
