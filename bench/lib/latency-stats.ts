/** Latency percentiles (ms) and throughput of one measured run. */
export interface RunStats {
  count: number;
  seconds: number;
  perSecond: number;
  p50: number;
  p95: number;
  p99: number;
}

const percentile = (sorted: number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];

/**
 * Sends `total` requests with at most `concurrency` in flight; `send(i)` performs request i. Every request is
 * timed from its own start, so queueing inside the client shows in the latency as a user would see it.
 */
export async function measure(
  total: number,
  concurrency: number,
  send: (i: number) => Promise<unknown>,
): Promise<RunStats> {
  const latencies = new Array<number>(total);
  let next = 0;
  const started = process.hrtime.bigint();
  const worker = async () => {
    for (let i = next++; i < total; i = next++) {
      const t0 = process.hrtime.bigint();
      await send(i);
      latencies[i] = Number(process.hrtime.bigint() - t0) / 1e6;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const sorted = latencies.sort((a, b) => a - b);
  return {
    count: total,
    seconds,
    perSecond: total / seconds,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
  };
}

export const fmt = (value: number, digits = 2): string => value.toFixed(digits);
