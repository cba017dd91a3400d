/**
 * The sizes of the events a stream's log still holds, oldest first, and how many to drop so the log stays within
 * its limits. The newest event is always kept, even when it alone is over the byte limit, so a resumed client gets
 * at least the last thing said. Only the replica writing a stream keeps this; readers look at the log itself.
 */
export class SseRingBudget {
  private readonly sizes: number[] = [];
  private head = 0;
  private bytes = 0;

  constructor(
    private readonly maxEvents: number,
    private readonly maxBytes: number,
  ) {}

  /** Adds an event of `size` bytes; returns how many of the oldest events to drop from the log. */
  add(size: number): number {
    this.sizes.push(size);
    this.bytes += size;
    let drop = 0;
    while (this.length > 1 && (this.length > this.maxEvents || this.bytes > this.maxBytes)) {
      this.bytes -= this.sizes[this.head++];
      drop++;
    }
    if (this.head > 1024 && this.head * 2 > this.sizes.length) {
      this.sizes.splice(0, this.head);
      this.head = 0;
    }
    return drop;
  }

  get length(): number {
    return this.sizes.length - this.head;
  }

  get totalBytes(): number {
    return this.bytes;
  }
}
