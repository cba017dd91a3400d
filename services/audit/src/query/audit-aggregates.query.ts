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
import { auditFilterSql, rollupDimsOf } from './audit-filter-sql';
import { bucketValueMs, HISTOGRAM_BUCKETS, HISTOGRAM_MAX_RELATIVE_ERROR, histogramArraySql } from './latency-histogram';
import { type ReadQuery, readTransaction } from './read-transaction';
import { exactRollupSql, type RollupPosition } from '../rollup/rollup-sql';
import { rollupFor } from './rollup-tables';
import { SqlParams } from './sql-params';

const HOUR_MS = 3_600_000;
/** A position for plans made without reading one: nothing assumed folded in (exact, if slow). */
const EVERYTHING_PENDING: RollupPosition = { appliedSeq: '0', pendingSince: new Date(0) };
const GROUP_COLUMN: Record<AuditGroupBy, { events: string; rollup: 'tool' | 'server' | 'gateway' | 'caller' }> = {
  tool: { events: 'tool', rollup: 'tool' },
  server: { events: 'server', rollup: 'server' },
  gateway: { events: 'gateway', rollup: 'gateway' },
  caller: { events: 'actor_id', rollup: 'caller' },
};
const PERCENTILES = [0.5, 0.95, 0.99] as const;

interface PointRow {
  /** Bucket start, seconds since the epoch (formatted here: cheaper than to_char for thousands of rows). */
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

/**
 * SQL: the bucket (0-based) holding the q-quantile of a cumulative histogram, or NULL when it is empty. The rank
 * has the array's element type: a mismatch would make Postgres convert the whole array on every call.
 */
const percentileBucketSql = (cum: string, q: number, type: 'int4' | 'int8' = 'int8'): string =>
  `CASE WHEN ${cum}[${HISTOGRAM_BUCKETS}] > 0 THEN width_bucket(ceil(${cum}[${HISTOGRAM_BUCKETS}] * ${q})::${type} - 1, ${cum}) END`;

const floorHour = (d: Date) => new Date(Math.floor(d.getTime() / HOUR_MS) * HOUR_MS);
const ceilHour = (d: Date) => new Date(Math.ceil(d.getTime() / HOUR_MS) * HOUR_MS);

/**
 * Plans an aggregate: hour and day buckets read the smallest hourly rollup with the dimensions filtered and
 * grouped on, over the range widened to whole hours; minute buckets, and filters a rollup cannot
 * answer (trace id), read raw events with exact percentiles. With a group, only the `top` busiest groups of the
 * range are returned, and events without a value for the group (e.g. no tool) are left out.
 */
export function aggregatePlan(
  tenant: string,
  request: RequestOf<typeof auditEventsAggregate>,
  range: { from: Date; to: Date },
  position: RollupPosition = EVERYTHING_PENDING,
): AggregatePlan {
  const { filter, bucket, groupBy, top } = request;
  const dims = rollupDimsOf(filter);
  const rollup =
    dims && bucket !== 'minute' ? rollupFor([...dims, ...(groupBy ? [GROUP_COLUMN[groupBy].rollup] : [])]) : undefined;
  const params = new SqlParams();
  if (!rollup) {
    const conditions = auditFilterSql(params, tenant, filter, 'events', range);
    const group = groupBy ? GROUP_COLUMN[groupBy].events : 'NULL::text';
    if (groupBy)
      conditions.push(`${group} IS NOT NULL`, topGroupsSql(group, 'count(*)', 'events', conditions, params, top));
    const percentiles = PERCENTILES.map(
      (q, i) => `percentile_cont(${q}) WITHIN GROUP (ORDER BY duration_ms) AS p${['50', '95', '99'][i]}`,
    );
    const sql = `SELECT extract(epoch FROM t)::int8 AS t, g, calls, errors, p50, p95, p99 FROM (
        SELECT date_trunc('${bucket}', occurred_at, 'UTC') AS t, ${group} AS g, count(*) AS calls,
               count(*) FILTER (WHERE outcome IS NOT NULL AND outcome <> 'ok') AS errors, ${percentiles.join(', ')}
        FROM events WHERE ${conditions.join(' AND ')} GROUP BY 1, 2) p`;
    return { sql, params: params.values, source: 'raw', ...range };
  }
  const widened = { from: floorHour(range.from), to: ceilHour(range.to) };
  // The rollup as if kept exact: its rows plus the events the rollup job has not folded in yet.
  const table = exactRollupSql(rollup, position, (value) => params.add(value));
  const conditions = auditFilterSql(params, tenant, filter, rollup, widened);
  const time = bucket === 'hour' ? 'r.bucket_hour' : `date_trunc('day', r.bucket_hour, 'UTC')`;
  // With a group: rank the groups first (an index-only scan of `calls`), then read the histograms of the top
  // ones only, each through its own index lookup (OFFSET 0 keeps the planner from flattening the lateral
  // subquery into a scan of every group's rows).
  const source = groupBy
    ? `${topRollupGroupsSql(GROUP_COLUMN[groupBy].rollup, table, conditions, params, top)}
       CROSS JOIN LATERAL (SELECT * FROM ${table}
         WHERE ${[...conditions, `${GROUP_COLUMN[groupBy].rollup} = top.g`].join(' AND ')} OFFSET 0) r`
    : `(SELECT NULL::text AS g) top CROSS JOIN LATERAL (SELECT * FROM ${table} WHERE ${conditions.join(' AND ')}) r`;
  const percentiles = (cum: string, type: 'int4' | 'int8') =>
    PERCENTILES.map((q, i) => `${percentileBucketSql(cum, q, type)} AS p${['50', '95', '99'][i]}`).join(', ');
  // Most buckets hold one rollup row per group: their percentiles come straight from that row's histogram.
  // Only buckets merging several rows pay for adding histograms up, element by element.
  const sql = `WITH r AS MATERIALIZED (
        SELECT ${time} AS t, top.g, r.calls, r.errors, r.latency, ${percentiles('r.latency', 'int4')}
        FROM ${source}),
      b AS (SELECT t, g, sum(calls) AS calls, sum(errors) AS errors, count(*) AS n, min(p50) AS p50, min(p95) AS p95,
              min(p99) AS p99 FROM r GROUP BY 1, 2 HAVING sum(calls) > 0)
      SELECT extract(epoch FROM t)::int8 AS t, g, calls, errors, p50, p95, p99 FROM b WHERE n = 1
      UNION ALL
      SELECT extract(epoch FROM t)::int8, g, calls, errors, ${percentiles('cum', 'int8')} FROM (
        SELECT r.t, r.g, sum(r.calls) AS calls, sum(r.errors) AS errors,
               ${histogramArraySql((k) => `sum(r.latency[${k}])`)} AS cum
        FROM r JOIN b ON b.n > 1 AND b.t = r.t AND b.g IS NOT DISTINCT FROM r.g GROUP BY 1, 2) m
`;
  return { sql, params: params.values, source: 'rollup', ...widened };
}

/** `top`: the rollup's busiest values of a dimension under the conditions (ties by name), as a FROM item. */
function topRollupGroupsSql(dim: string, table: string, conditions: string[], params: SqlParams, top: number): string {
  return `(SELECT ${dim} AS g FROM ${table} WHERE ${[...conditions, `${dim} IS NOT NULL`].join(' AND ')}
    GROUP BY 1 ORDER BY sum(calls) DESC, 1 LIMIT ${params.add(top)}) top`;
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

/** Top callers: the smallest rollup with callers and the filtered dimensions over whole hours, or raw events. */
export function topCallersPlan(
  tenant: string,
  request: RequestOf<typeof auditTopCallers>,
  range: { from: Date; to: Date },
  position: RollupPosition = EVERYTHING_PENDING,
): AggregatePlan {
  const params = new SqlParams();
  const dims = rollupDimsOf(request.filter);
  const rollup = dims ? rollupFor([...dims, 'caller']) : undefined;
  if (!rollup) {
    const conditions = auditFilterSql(params, tenant, request.filter, 'events', range);
    const sql = `SELECT actor_id AS g, count(*) AS calls,
        count(*) FILTER (WHERE outcome IS NOT NULL AND outcome <> 'ok') AS errors,
        percentile_cont(0.95) WITHIN GROUP (ORDER BY duration_ms) AS p95
      FROM events WHERE ${conditions.join(' AND ')} GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT ${params.add(request.limit)}`;
    return { sql, params: params.values, source: 'raw', ...range };
  }
  const widened = { from: floorHour(range.from), to: ceilHour(range.to) };
  const conditions = auditFilterSql(params, tenant, request.filter, rollup, widened);
  const table = exactRollupSql(rollup, position, (value) => params.add(value));
  const sql = `SELECT g, calls, errors, ${percentileBucketSql('cum', 0.95)} AS p95 FROM (
      SELECT top.g, sum(r.calls) AS calls, sum(r.errors) AS errors,
             ${histogramArraySql((k) => `sum(r.latency[${k}])`)} AS cum
      FROM ${topRollupGroupsSql('caller', table, conditions, params, request.limit)}
      CROSS JOIN LATERAL (SELECT * FROM ${table}
        WHERE ${[...conditions, 'caller = top.g'].join(' AND ')} OFFSET 0) r
      GROUP BY 1 HAVING sum(r.calls) > 0) c
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

/**
 * Where the rollups stand in this transaction's snapshot: the job's position and the earliest event it has not
 * folded in. Two statements, so the second is planned with the position bound (an index scan of chain_seq).
 */
async function rollupPositionOf(query: ReadQuery): Promise<RollupPosition> {
  const [state] = await query<{ applied: string }>(
    'SELECT applied_seq::text AS applied FROM rollup_state WHERE id = 1',
    [],
  );
  const appliedSeq = state?.applied ?? '0';
  const [pending] = await query<{ since: Date | null }>(
    'SELECT min(occurred_at) AS since FROM events WHERE chain_seq > $1',
    [appliedSeq],
  );
  return { appliedSeq, pendingSince: pending?.since ?? null };
}

/** Calls, errors and latency percentiles per bucket and group; the busiest callers. */
@Injectable()
export class AuditAggregatesQuery {
  constructor(private readonly db: Database) {}

  async aggregate(
    tenant: string,
    request: RequestOf<typeof auditEventsAggregate>,
  ): Promise<ResponseOf<typeof auditEventsAggregate>> {
    const range = rangeOf(request.filter, request.bucket);
    const { plan, rows } = await readTransaction(
      this.db,
      async (query) => {
        const plan = aggregatePlan(tenant, request, range, await rollupPositionOf(query));
        return { plan, rows: await query<PointRow>(plan.sql, plan.params) };
      },
      'REPEATABLE READ',
    );
    const series = new Map<string | null, ResponseOf<typeof auditEventsAggregate>['series'][number]>();
    for (const row of rows) {
      let s = series.get(row.g);
      if (!s) series.set(row.g, (s = { group: row.g, calls: 0, errors: 0, points: [] }));
      const point: AuditPoint = {
        t: new Date(Number(row.t) * 1000).toISOString().replace('.000Z', 'Z'),
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
    // Sorted here rather than in SQL: the rows arrive in groups' order already, and it saves a sort of them all.
    for (const s of series.values()) s.points.sort((a, b) => (a.t < b.t ? -1 : a.t > b.t ? 1 : 0));
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
    const range = rangeOf(request.filter, request.filter.from ? 'day' : 'hour');
    const { plan, rows } = await readTransaction(
      this.db,
      async (query) => {
        const plan = topCallersPlan(tenant, request, range, await rollupPositionOf(query));
        const rows = await query<{ g: string; calls: string; errors: string; p95: number | string | null }>(
          plan.sql,
          plan.params,
        );
        return { plan, rows };
      },
      'REPEATABLE READ',
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
