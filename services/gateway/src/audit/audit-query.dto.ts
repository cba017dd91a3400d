import {
  type AuditFilter,
  type AuditPosition,
  auditBucketSchema,
  auditFilterSchema,
  auditGroupBySchema,
  AUDIT_MAX_GROUPS,
  resolveAuditRange,
} from '@portcullis/contracts';
import { z } from 'zod';
import { decodeEventCursor } from './event-cursor';

/** Largest page of the list API (the export pages by itself). */
export const LIST_MAX_LIMIT = 500;

const filterShape = auditFilterSchema.shape;
/** Query parameters every audit read accepts (a repeated parameter is an error, not a silent pick). */
const filterParams = { ...filterShape };
const withFilterRange = <T extends { from?: string; to?: string }>(value: T, ctx: z.RefinementCtx) => {
  if (value.from && value.to && Date.parse(value.from) >= Date.parse(value.to)) {
    ctx.addIssue({ code: 'custom', path: ['to'], message: 'must be later than from' });
  }
};

const cursorParam = z
  .string()
  .transform((value, ctx): AuditPosition => {
    const position = decodeEventCursor(value);
    if (!position) {
      ctx.addIssue({ code: 'custom', message: 'is not a cursor this API issued' });
      return z.NEVER;
    }
    return position;
  })
  .optional();

export const listEventsQuery = z
  .object({
    ...filterParams,
    limit: z.coerce.number().int().min(1).max(LIST_MAX_LIMIT).default(50),
    cursor: cursorParam,
  })
  .strict()
  .superRefine(withFilterRange);
export type ListEventsQuery = z.infer<typeof listEventsQuery>;

export const exportEventsQuery = z
  .object({ ...filterParams, format: z.enum(['ndjson', 'csv']).default('ndjson') })
  .strict()
  .superRefine(withFilterRange);
export type ExportEventsQuery = z.infer<typeof exportEventsQuery>;

/** The tail is live: it has no range, only what to match. */
const { from: _from, to: _to, ...liveParams } = filterParams;
export const tailEventsQuery = z.object(liveParams).strict();
export type TailEventsQuery = z.infer<typeof tailEventsQuery>;

/** Resolves the aggregate's range (defaults, longest span per bucket) so a bad one is a 400 naming `from`. */
export const aggregatesQuery = z
  .object({
    ...filterParams,
    bucket: auditBucketSchema.default('hour'),
    groupBy: auditGroupBySchema.optional(),
    top: z.coerce.number().int().min(1).max(AUDIT_MAX_GROUPS).default(AUDIT_MAX_GROUPS),
  })
  .strict()
  .transform((value, ctx) => {
    const range = resolveAuditRange(value, value.bucket);
    if ('field' in range) {
      ctx.addIssue({ code: 'custom', path: [range.field], message: range.message });
      return z.NEVER;
    }
    return { ...value, from: range.from.toISOString(), to: range.to.toISOString() };
  });
export type AggregatesQuery = z.infer<typeof aggregatesQuery>;

export const topCallersQuery = z
  .object({ ...filterParams, limit: z.coerce.number().int().min(1).max(100).default(10) })
  .strict()
  .transform((value, ctx) => {
    const range = resolveAuditRange(value, value.from ? 'day' : 'hour');
    if ('field' in range) {
      ctx.addIssue({ code: 'custom', path: [range.field], message: range.message });
      return z.NEVER;
    }
    return { ...value, from: range.from.toISOString(), to: range.to.toISOString() };
  });
export type TopCallersQuery = z.infer<typeof topCallersQuery>;

export const verifyBody = z
  .object({
    fromSeq: z.number().int().min(1).optional(),
    limit: z.number().int().min(1).max(100_000_000).optional(),
  })
  .strict();
export type VerifyBody = z.infer<typeof verifyBody>;

/** The filter fields of any of the above, as the bus contracts take them. */
export function filterOf(query: Partial<Record<keyof AuditFilter, string | undefined>>): AuditFilter {
  const filter: AuditFilter = {};
  for (const key of Object.keys(filterShape) as (keyof AuditFilter)[]) {
    const value = query[key];
    if (value !== undefined) filter[key] = value;
  }
  return filter;
}
