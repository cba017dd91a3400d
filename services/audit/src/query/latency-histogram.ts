/**
 * The fixed log-scale latency histogram of the hourly rollups. Bucket 0 holds durations below 0.1 ms, bucket i
 * (1 … 78) holds [0.1·2^((i-1)/4), 0.1·2^(i/4)) ms, bucket 79 everything from 0.1·2^(78/4) ≈ 74 s up (overflow).
 * Rollup rows store it cumulatively (`latency[k]` = durations in buckets 0 … k-1), because cumulative histograms
 * add up element by element like plain ones and Postgres' `width_bucket` then finds a percentile's bucket by
 * binary search, in C, with no unnesting.
 *
 * A percentile is reported as the geometric middle of its bucket, so within 0.1 ms … 74 s it is off by at most
 * 2^(1/8) − 1 ≈ 9.05 % of the true value. Changing any of these numbers needs a migration that rebuilds the rollups.
 */
export const HISTOGRAM_BUCKETS = 80;
export const HISTOGRAM_MIN_MS = 0.1;
export const HISTOGRAM_STEPS_PER_DOUBLING = 4;
export const HISTOGRAM_MAX_RELATIVE_ERROR = 2 ** (1 / (2 * HISTOGRAM_STEPS_PER_DOUBLING)) - 1;

/** SQL: the bucket (0 … 79) of a duration in ms given as a double precision expression; NULL for NULL. */
export const histogramBucketSql = (durationMs: string): string =>
  `CASE WHEN ${durationMs} IS NULL THEN NULL WHEN ${durationMs} < ${HISTOGRAM_MIN_MS} THEN 0 ` +
  `ELSE least(${HISTOGRAM_BUCKETS - 1}, floor(ln(${durationMs} / ${HISTOGRAM_MIN_MS}) * ` +
  `${HISTOGRAM_STEPS_PER_DOUBLING / Math.LN2}) + 1)::int END`;

/** SQL: one expression per histogram element, `each(k)` for k = 1 … 80, joined into an array constructor. */
export const histogramArraySql = (each: (k: number) => string): string =>
  `ARRAY[${Array.from({ length: HISTOGRAM_BUCKETS }, (_, i) => each(i + 1)).join(', ')}]`;

/** The value reported for a percentile that fell in `bucket`: the geometric middle of its bounds. */
export function bucketValueMs(bucket: number): number {
  if (bucket <= 0) return HISTOGRAM_MIN_MS / 2;
  const step = HISTOGRAM_STEPS_PER_DOUBLING;
  if (bucket >= HISTOGRAM_BUCKETS - 1) return HISTOGRAM_MIN_MS * 2 ** ((HISTOGRAM_BUCKETS - 2) / step);
  return HISTOGRAM_MIN_MS * 2 ** ((bucket - 0.5) / step);
}

/** The bucket of a duration, as `histogramBucketSql` computes it (used by tests and the benchmark). */
export function bucketOf(durationMs: number): number {
  if (durationMs < HISTOGRAM_MIN_MS) return 0;
  const raw = Math.floor(Math.log(durationMs / HISTOGRAM_MIN_MS) * (HISTOGRAM_STEPS_PER_DOUBLING / Math.LN2)) + 1;
  return Math.min(HISTOGRAM_BUCKETS - 1, raw);
}
