import { Injectable } from '@nestjs/common';
import {
  type AuditBucket,
  type AuditFilter,
  type AuditGroupBy,
  type AuditPoint,
  auditEventsAggregate,
  auditTopCallers,
  type RequestOf,
  resolveAuditRange,
  type ResponseOf,
} from '@portcullis/contracts';
import { BusHandlerError } from '@portcullis/messaging';
import { Database } from '@portcullis/persistence';
import { auditFilterSql, type FilterTarget, rollupCanFilter } from './audit-filter-sql';
import { bucketValueMs, HISTOGRAM_BUCKETS, HISTOGRAM_MAX_RELATIVE_ERROR, histogramArraySql } from './latency-histogram';
import { readTransaction } from './read-transaction';
import { SqlParams } from './sql-params';

const HOUR_MS = 3_600_000;
const GROUP_COLUMN: Record<AuditGroupBy, { events: string; rollup: string }> = {
  tool: { events: 'tool', rollup: 'tool' },
  server: { events: 'server', rollup: 'server' },
  gateway: { events: 'gateway', rollup: 'gateway' },
  caller: { events: 'actor_id', rollup: 'caller' },
};
const TIME_TEXT = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')`;
const PERCENTILES = [0.5, 0.95, 0.99] as const;

interface PointRow {
  t: string;
  g: string | null;
  calls: string;
  errors: string;
  p50: number | string | null;
  p95: number | string | null;
  p99: number | string | null;
}

export interface AggregatePlan {
  sql: string;
  params: unknown[];
  source: 'raw' | 'rollup';
  from: Date;
  to: Date;
}

/** SQL: the bucket (0-based) holding the q-quantile of a cumulative histogram, or NULL when it is empty. */
const percentileBucketSql = (cum: string, q: number): string =>
  `CASE WHEN ${cum}[${HISTOGRAM_BUCKETS}] > 0 THEN width_bucket(ceil(${cum}[${HISTOGRAM_BUCKETS}] * ${q})::int8 - 1, ${cum}) END`;

const floorHour = (d: Date) => new Date(Math.floor(d.getTime() / HOUR_MS) * HOUR_MS);
const ceilHour = (d: Date) => new Date(Math.ceil(d.getTime() / HOUR_MS) * HOUR_MS);

/**
 * Plans an aggregate: hour and day buckets read the hourly rollup (the one with callers only when a caller is
 * filtered or grouped on) over the range widened to whole hours; minute buckets, and filters a rollup cannot
 * answer (trace id), read raw events with exact percentiles. With a group, only the `top` busiest groups of the
 * range are returned, and events without a value for the group (e.g. no tool) are left out.
 */
export function aggregatePlan(
  tenant: string,
  request: RequestOf<typeof auditEventsAggregate>,
  range: { from: Date; to: Date },
): AggregatePlan {
  const { filter, bucket, groupBy, top } = request;
  const target: Exclude<FilterTarget, 'events'> =
    groupBy === 'caller' || filter.actor !== undefined ? 'rollup_callers' : 'rollup';
  const raw = bucket === 'minute' || !rollupCanFilter(filter, target);
  const params = new SqlParams();
  if (raw) {
    const conditions = auditFilterSql(params, tenant, filter, 'events', range);
    const group = groupBy ? GROUP_COLUMN[groupBy].events : 'NULL::text';
    if (groupBy)
      conditions.push(`${group} IS NOT NULL`, topGroupsSql(group, 'count(*)', 'events', conditions, params, top));
    const percentiles = PERCENTILES.map(
      (q, i) => `percentile_cont(${q}) WITHIN GROUP (ORDER BY duration_ms) AS p${['50', '95', '99'][i]}`,
    );
    const sql = `SELECT ${TIME_TEXT('t')} AS t, g, calls, errors, p50, p95, p99 FROM (
        SELECT date_trunc('${bucket}', occurred_at, 'UTC') AS t, ${group} AS g, count(*) AS calls,
               count(*) FILTER (WHERE outcome IS NOT NULL AND outcome <> 'ok') AS errors, ${percentiles.join(', ')}
        FROM events WHERE ${conditions.join(' AND ')} GROUP BY 1, 2) p
      ORDER BY g, p.t`;
    return { sql, params: params.values, source: 'raw', ...range };
  }
  const widened = { from: floorHour(range.from), to: ceilHour(range.to) };
  const table = target === 'rollup' ? 'rollup_hourly' : 'rollup_hourly_callers';
  const conditions = auditFilterSql(params, tenant, filter, target, widened);
  const group = groupBy ? GROUP_COLUMN[groupBy].rollup : 'NULL::text';
  if (groupBy)
    conditions.push(`${group} IS NOT NULL`, topGroupsSql(group, 'sum(calls)', table, conditions, params, top));
  const time = bucket === 'hour' ? 'bucket_hour' : `date_trunc('day', bucket_hour, 'UTC')`;
  const sql = `SELECT ${TIME_TEXT('t')} AS t, g, calls, errors,
        ${PERCENTILES.map((q, i) => `${percentileBucketSql('cum', q)} AS p${['50', '95', '99'][i]}`).join(', ')}
      FROM (
        SELECT ${time} AS t, ${group} AS g, sum(calls) AS calls, sum(errors) AS errors,
               ${histogramArraySql((k) => `sum(latency[${k}])`)} AS cum
        FROM ${table} WHERE ${conditions.join(' AND ')} GROUP BY 1, 2 HAVING sum(calls) > 0) m
      ORDER BY g, m.t`;
  return { sql, params: params.values, source: 'rollup', ...widened };
}

/** A condition keeping the `top` groups with the most events under the same conditions (ties by name). */
function topGroupsSql(
  group: string,
  calls: string,
  table: string,
  conditions: string[],
  params: SqlParams,
  top: number,
): string {
  return `${group} IN (SELECT ${group} FROM ${table} WHERE ${conditions.join(' AND ')}
    GROUP BY 1 ORDER BY ${calls} DESC, 1 LIMIT ${params.add(top)})`;
}

/** Top callers: the callers rollup over whole hours, or raw events when the filter needs them (trace id). */
export function topCallersPlan(
  tenant: string,
  request: RequestOf<typeof auditTopCallers>,
  range: { from: Date; to: Date },
): AggregatePlan {
  const params = new SqlParams();
  if (!rollupCanFilter(request.filter, 'rollup_callers')) {
    const conditions = auditFilterSql(params, tenant, request.filter, 'events', range);
    const sql = `SELECT actor_id AS g, count(*) AS calls,
        count(*) FILTER (WHERE outcome IS NOT NULL AND outcome <> 'ok') AS errors,
        percentile_cont(0.95) WITHIN GROUP (ORDER BY duration_ms) AS p95
      FROM events WHERE ${conditions.join(' AND ')} GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT ${params.add(request.limit)}`;
    return { sql, params: params.values, source: 'raw', ...range };
  }
  const widened = { from: floorHour(range.from), to: ceilHour(range.to) };
  const conditions = auditFilterSql(params, tenant, request.filter, 'rollup_callers', widened);
  const sql = `SELECT g, calls, errors, ${percentileBucketSql('cum', 0.95)} AS p95 FROM (
      SELECT caller AS g, sum(calls) AS calls, sum(errors) AS errors,
             ${histogramArraySql((k) => `sum(latency[${k}])`)} AS cum
      FROM rollup_hourly_callers WHERE ${conditions.join(' AND ')}
      GROUP BY 1 HAVING sum(calls) > 0 ORDER BY 2 DESC, 1 LIMIT ${params.add(request.limit)}) c
    ORDER BY calls DESC, g`;
  return { sql, params: params.values, source: 'rollup', ...widened };
}

/** A percentile column as milliseconds: exact (raw) or the middle of its histogram bucket (rollup). */
const toMs = (value: number | string | null, source: 'raw' | 'rollup'): number | null => {
  if (value === null) return null;
  const n = Number(value);
  return source === 'raw' ? Math.round(n * 1000) / 1000 : Math.round(bucketValueMs(n) * 1000) / 1000;
};

const precisionOf = (source: 'raw' | 'rollup') => ({
  source,
  maxRelativeError: source === 'raw' ? 0 : HISTOGRAM_MAX_RELATIVE_ERROR,
});

function rangeOf(filter: AuditFilter, bucket: AuditBucket): { from: Date; to: Date } {
  const range = resolveAuditRange(filter, bucket);
  if ('field' in range) throw new BusHandlerError(`${range.field}: ${range.message}`);
  return range;
}

/** Calls, errors and latency percentiles per bucket and group; the busiest callers. */
@Injectable()
export class AuditAggregatesQuery {
  constructor(private readonly db: Database) {}

  async aggregate(
    tenant: string,
    request: RequestOf<typeof auditEventsAggregate>,
  ): Promise<ResponseOf<typeof auditEventsAggregate>> {
    const plan = aggregatePlan(tenant, request, rangeOf(request.filter, request.bucket));
    const rows = await readTransaction(this.db, (query) => query<PointRow>(plan.sql, plan.params));
    const series = new Map<string | null, ResponseOf<typeof auditEventsAggregate>['series'][number]>();
    for (const row of rows) {
      let s = series.get(row.g);
      if (!s) series.set(row.g, (s = { group: row.g, calls: 0, errors: 0, points: [] }));
      const point: AuditPoint = {
        t: row.t,
        calls: Number(row.calls),
        errors: Number(row.errors),
        p50: toMs(row.p50, plan.source),
        p95: toMs(row.p95, plan.source),
        p99: toMs(row.p99, plan.source),
      };
      s.calls += point.calls;
      s.errors += point.errors;
      s.points.push(point);
    }
    return {
      from: plan.from.toISOString(),
      to: plan.to.toISOString(),
      bucket: request.bucket,
      groupBy: request.groupBy ?? null,
      precision: precisionOf(plan.source),
      series: [...series.values()].sort((a, b) => b.calls - a.calls || String(a.group).localeCompare(String(b.group))),
    };
  }

  async topCallers(
    tenant: string,
    request: RequestOf<typeof auditTopCallers>,
  ): Promise<ResponseOf<typeof auditTopCallers>> {
    // Top callers default to the last 24 hours (an hour aggregate's default) and may span a day aggregate's range.
    const plan = topCallersPlan(tenant, request, rangeOf(request.filter, request.filter.from ? 'day' : 'hour'));
    const rows = await readTransaction(this.db, (query) =>
      query<{ g: string; calls: string; errors: string; p95: number | string | null }>(plan.sql, plan.params),
    );
    return {
      from: plan.from.toISOString(),
      to: plan.to.toISOString(),
      precision: precisionOf(plan.source),
      callers: rows.map((r) => ({
        caller: r.g,
        calls: Number(r.calls),
        errors: Number(r.errors),
        p95: toMs(r.p95, plan.source),
      })),
    };
  }
}
