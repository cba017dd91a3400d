import { HISTOGRAM_BUCKETS, histogramArraySql, histogramBucketSql } from '../query/latency-histogram';
import type { RollupTable } from '../query/rollup-tables';

/** The events columns the rollups are computed from. */
export const ROLLUP_SOURCE_COLUMNS = 'tenant, occurred_at, type, gateway, server, tool, actor_id, outcome, duration_ms';

/** Every dimension of every rollup: the grain the per-bucket counts are taken at. */
const FINE_DIMS = ['tenant', 'bucket_hour', 'type', 'gateway', 'server', 'tool', 'caller', 'outcome'] as const;

/** A rollup's key columns, in the order of its unique index. */
export const rollupKey = ({ dims }: RollupTable): string[] => [
  'tenant',
  'bucket_hour',
  ...dims.filter((d) => d !== 'tenant'),
];

/**
 * SQL: the rows of `relation` (an `events`-shaped FROM item) counted per value of every rollup dimension and
 * latency bucket `b` — `c` events, `e` of them not `ok`, `d` their summed duration — negated when `sign` is '-'.
 * The hour and the bucket are computed once per row here, whichever rollups are then built from it.
 */
export function fineCountsSql(relation: string, sign: '+' | '-' = '+'): string {
  const m = sign === '-' ? '-' : '';
  return `
    SELECT tenant, date_trunc('hour', occurred_at, 'UTC') AS bucket_hour, type, gateway, server, tool,
           actor_id AS caller, outcome, ${histogramBucketSql('duration_ms')} AS b, ${m}count(*) AS c,
           ${m}count(*) FILTER (WHERE outcome IS NOT NULL AND outcome <> 'ok') AS e,
           ${m}coalesce(sum(duration_ms), 0) AS d
    FROM ${relation}
    GROUP BY ${[...FINE_DIMS, 'b'].map((_, i) => i + 1).join(', ')}`;
}

/**
 * SQL: rollup rows — events, how many did not end `ok`, summed duration, cumulative latency histogram — from
 * per-bucket counts (`fineCountsSql`'s shape) grouped by the rollup's key, in key order. Each group's histogram
 * is built from its few (bucket, count) pairs: far cheaper than testing every event against all 80 bounds.
 */
export function rollupFromCountsSql(rollup: RollupTable, counts: string): string {
  const key = rollupKey(rollup);
  const positions = key.map((_, i) => i + 1).join(', ');
  return `
    SELECT ${key.join(', ')}, sum(c)::bigint AS calls, sum(e)::bigint AS errors, sum(d) AS duration_sum,
           ARRAY(SELECT coalesce(sum(u.c) FILTER (WHERE u.b < k), 0)::int4
                 FROM generate_series(1, ${HISTOGRAM_BUCKETS}) AS k
                 CROSS JOIN unnest(array_agg(h.b), array_agg(h.c)) AS u(b, c)
                 GROUP BY k ORDER BY k) AS latency
    FROM (SELECT ${key.join(', ')}, b, sum(c) AS c, sum(e) AS e, sum(d) AS d FROM ${counts}
          GROUP BY ${positions}, b) h
    GROUP BY ${positions}
    ORDER BY ${positions}`;
}

/** SQL: the rows of `relation` (`events`-shaped) as rows of the rollup, negated for '-'; in key order. */
export function rollupGroupsSql(rollup: RollupTable, relation: string, sign: '+' | '-' = '+'): string {
  return rollupFromCountsSql(rollup, `(${fineCountsSql(relation, sign)}) counts`);
}

/**
 * SQL: adds the rows of `relation` (negated for '-') to the rollup. Groups are upserted in key order, so two
 * transactions touching the same rows lock them in the same order and cannot deadlock.
 */
export function rollupUpsertSql(rollup: RollupTable, relation: string, sign: '+' | '-' = '+'): string {
  return rollupUpsertRowsSql(rollup, rollupGroupsSql(rollup, relation, sign));
}

/** SQL: adds rollup rows (a SELECT in key order, as `rollupFromCountsSql` gives) to the rollup. */
export function rollupUpsertRowsSql(rollup: RollupTable, rows: string): string {
  const { table } = rollup;
  const key = rollupKey(rollup);
  return `
    INSERT INTO ${table} (${key.join(', ')}, calls, errors, duration_sum, latency)
    ${rows}
    ON CONFLICT (${key.join(', ')}) DO UPDATE SET
      calls = ${table}.calls + excluded.calls,
      errors = ${table}.errors + excluded.errors,
      duration_sum = ${table}.duration_sum + excluded.duration_sum,
      latency = ${histogramArraySql((k) => `${table}.latency[${k}] + excluded.latency[${k}]`)}`;
}

/** SQL: the events the rollup job has not applied yet (at most a few seconds' worth), as a FROM item. */
export const PENDING_EVENTS_SQL = `(SELECT ${ROLLUP_SOURCE_COLUMNS} FROM events
  WHERE chain_seq > (SELECT applied_seq FROM rollup_state WHERE id = 1)) pending`;

/**
 * SQL: a FROM item (aliased as the rollup table) that reads like the rollup kept exact: its rows plus the events
 * ingested since the rollup job last ran, grouped the same way. Both halves come from one statement's snapshot,
 * and the job moves rows from one half to the other in one transaction, so every event is counted exactly once.
 * Filters on the alias are pushed into both halves by the planner.
 */
export function exactRollupSql(rollup: RollupTable): string {
  const columns = [...rollupKey(rollup), 'calls', 'errors', 'duration_sum', 'latency'].join(', ');
  return `(SELECT ${columns} FROM ${rollup.table}
    UNION ALL ${rollupGroupsSql(rollup, PENDING_EVENTS_SQL)}) ${rollup.table}`;
}
