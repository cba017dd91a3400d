import { histogramArraySql, histogramBucketSql } from '../query/latency-histogram';
import type { RollupTable } from '../query/rollup-tables';

/** The events columns a rollup dimension comes from. */
const SOURCE: Record<string, string> = { caller: 'actor_id' };
const source = (dim: string): string => SOURCE[dim] ?? dim;

/** A rollup's key columns, in the order of its unique index. */
export const rollupKey = ({ dims }: RollupTable): string[] => [
  'tenant',
  'bucket_hour',
  ...dims.filter((d) => d !== 'tenant'),
];

/**
 * SQL: the rows of `relation` (an `events`-shaped FROM item) grouped by the rollup's key, as rollup rows — the
 * number of events, how many did not end `ok`, the summed duration and the cumulative latency histogram —
 * negated when `sign` is '-'. Groups come out in key order.
 */
export function rollupGroupsSql(rollup: RollupTable, relation: string, sign: '+' | '-' = '+'): string {
  const key = rollupKey(rollup);
  const grouped = key.map((k) => (k === 'bucket_hour' ? "date_trunc('hour', occurred_at, 'UTC')" : source(k)));
  const positions = grouped.map((_, i) => i + 1).join(', ');
  const m = sign === '-' ? '-' : '';
  return `
    SELECT ${grouped.map((g, i) => `${g} AS ${key[i]}`).join(', ')}, ${m}count(*) AS calls,
           ${m}count(*) FILTER (WHERE outcome IS NOT NULL AND outcome <> 'ok') AS errors,
           ${m}coalesce(sum(duration_ms), 0) AS duration_sum,
           ${histogramArraySql((k) => `${m}count(*) FILTER (WHERE b < ${k})`)}::int4[] AS latency
    FROM (SELECT *, ${histogramBucketSql('duration_ms')} AS b FROM ${relation}) r
    GROUP BY ${positions}
    ORDER BY ${positions}`;
}

/**
 * SQL: adds the rows of `relation` (negated for '-') to the rollup. Groups are upserted in key order, so two
 * transactions touching the same rows lock them in the same order and cannot deadlock.
 */
export function rollupUpsertSql(rollup: RollupTable, relation: string, sign: '+' | '-' = '+'): string {
  const { table } = rollup;
  const key = rollupKey(rollup);
  return `
    INSERT INTO ${table} (${key.join(', ')}, calls, errors, duration_sum, latency)
    ${rollupGroupsSql(rollup, relation, sign)}
    ON CONFLICT (${key.join(', ')}) DO UPDATE SET
      calls = ${table}.calls + excluded.calls,
      errors = ${table}.errors + excluded.errors,
      duration_sum = ${table}.duration_sum + excluded.duration_sum,
      latency = ${histogramArraySql((k) => `${table}.latency[${k}] + excluded.latency[${k}]`)}`;
}

/** SQL: the events the rollup job has not applied yet (at most a few seconds' worth), as a FROM item. */
export const PENDING_EVENTS_SQL =
  '(SELECT * FROM events WHERE chain_seq > (SELECT applied_seq FROM rollup_state WHERE id = 1)) pending';

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
