import * as z from 'zod';
import { defineRequest } from '../../../contract/define-contract';
import { auditFilterSchema } from '../audit-filter';

export const auditBucketSchema = z.enum(['minute', 'hour', 'day']);
export const auditGroupBySchema = z.enum(['tool', 'server', 'gateway', 'caller']);
export type AuditBucket = z.infer<typeof auditBucketSchema>;
export type AuditGroupBy = z.infer<typeof auditGroupBySchema>;

/** Longest range per bucket size (keeps every reply well under the bus's message size). */
export const AUDIT_MAX_RANGE_HOURS: Record<AuditBucket, number> = { minute: 6, hour: 24 * 31, day: 24 * 400 };
export const AUDIT_MAX_GROUPS = 10;
/** Range used when the filter leaves `from` out (ending at `to`, or now). */
export const AUDIT_DEFAULT_RANGE_HOURS: Record<AuditBucket, number> = { minute: 1, hour: 24, day: 24 * 30 };

/**
 * The time range an aggregate covers: the filter's, with defaults for what it leaves out, or the reason it is too
 * long for the bucket size (named by field, for a 400).
 */
export function resolveAuditRange(
  filter: { from?: string; to?: string },
  bucket: AuditBucket,
  now: Date = new Date(),
): { from: Date; to: Date } | { field: 'from'; message: string } {
  const to = filter.to ? new Date(filter.to) : now;
  const from = filter.from
    ? new Date(filter.from)
    : new Date(to.getTime() - AUDIT_DEFAULT_RANGE_HOURS[bucket] * 3_600_000);
  if (from.getTime() >= to.getTime()) return { field: 'from', message: 'must be earlier than to (default: now)' };
  if (to.getTime() - from.getTime() > AUDIT_MAX_RANGE_HOURS[bucket] * 3_600_000) {
    return { field: 'from', message: `a ${bucket} aggregate covers at most ${AUDIT_MAX_RANGE_HOURS[bucket]} hours` };
  }
  return { from, to };
}

/** Latency percentiles of one bucket (milliseconds); null when no event in it carried a duration. */
export const auditPointSchema = z.object({
  t: z.string(),
  calls: z.number().int().nonnegative(),
  errors: z.number().int().nonnegative(),
  p50: z.number().nullable(),
  p95: z.number().nullable(),
  p99: z.number().nullable(),
});
export type AuditPoint = z.infer<typeof auditPointSchema>;

/** How the percentiles were computed: exactly from raw rows, or estimated from the hourly histograms. */
export const auditPrecisionSchema = z.object({
  source: z.enum(['raw', 'rollup']),
  /** Largest relative error of a percentile (0 for exact), for values inside the histogram's range. */
  maxRelativeError: z.number().nonnegative(),
});

/**
 * `audit.v1.events.aggregate`: calls, errors and latency percentiles per time bucket, overall or per group (the
 * busiest `top` groups of the range). Hour and day buckets come from the hourly rollup and widen the range to
 * whole hours; minute buckets read raw rows.
 */
export const auditEventsAggregate = defineRequest({
  subject: 'audit.v1.events.aggregate',
  description: "Calls, errors and latency percentiles of the caller's tenant's events per time bucket and group.",
  request: z
    .object({
      filter: auditFilterSchema,
      bucket: auditBucketSchema,
      groupBy: auditGroupBySchema.optional(),
      top: z.number().int().min(1).max(AUDIT_MAX_GROUPS).default(AUDIT_MAX_GROUPS),
    })
    .strict(),
  response: z.object({
    from: z.string(),
    to: z.string(),
    bucket: auditBucketSchema,
    groupBy: auditGroupBySchema.nullable(),
    precision: auditPrecisionSchema,
    series: z.array(
      z.object({
        group: z.string().nullable(),
        calls: z.number().int().nonnegative(),
        errors: z.number().int().nonnegative(),
        points: z.array(auditPointSchema),
      }),
    ),
  }),
});
