import { SseRingBudget } from './sse-ring-budget';

describe(SseRingBudget.name, () => {
  it('should drop the oldest events beyond the event limit', () => {
    const ring = new SseRingBudget(3, 1_000);
    expect([ring.add(10), ring.add(10), ring.add(10)]).toEqual([0, 0, 0]);
    expect(ring.add(10)).toBe(1);
    expect(ring.length).toBe(3);
    expect(ring.totalBytes).toBe(30);
  });

  it('should drop as many of the oldest events as the byte limit needs', () => {
    const ring = new SseRingBudget(100, 100);
    for (let i = 0; i < 5; i++) expect(ring.add(20)).toBe(0);
    expect(ring.add(50)).toBe(3);
    expect(ring.length).toBe(3);
    expect(ring.totalBytes).toBe(90);
  });

  it('should always keep the newest event, even one over the byte limit on its own', () => {
    const ring = new SseRingBudget(100, 100);
    ring.add(40);
    ring.add(40);
    expect(ring.add(500)).toBe(2);
    expect(ring.length).toBe(1);
    expect(ring.add(10)).toBe(1);
    expect(ring.totalBytes).toBe(10);
  });

  it('should stay within its limits over a long stream', () => {
    const ring = new SseRingBudget(50, 10_000);
    let kept = 0;
    for (let i = 0; i < 100_000; i++) kept += 1 - ring.add(1 + (i % 300));
    expect(ring.length).toBe(kept);
    expect(ring.length).toBeLessThanOrEqual(50);
    expect(ring.totalBytes).toBeLessThanOrEqual(10_000);
  });
});
