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
export function rollupFromCountsSql(rollup: RollupTable, counts: string, ordered = true): string {
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
    GROUP BY ${positions}${ordered ? `\n    ORDER BY ${positions}` : ''}`;
}

/** SQL: the rows of `relation` (`events`-shaped) as rows of the rollup, negated for '-'; in key order if `ordered`. */
export function rollupGroupsSql(rollup: RollupTable, relation: string, sign: '+' | '-' = '+', ordered = true): string {
  return rollupFromCountsSql(rollup, `(${fineCountsSql(relation, sign)}) counts`, ordered);
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

/**
 * SQL: the events the rollup job has not applied yet (at most a few seconds' worth), as a FROM item. `applied` is
 * the job's `applied_seq` and `since` (optional) the earliest `occurred_at` among those events, as SQL
 * expressions; bound values (read first, in the same snapshot) let the planner scan the chain_seq index of only
 * the partitions that can hold them.
 */
export const pendingEventsSql = (applied: string, since?: string): string =>
  `(SELECT ${ROLLUP_SOURCE_COLUMNS} FROM events WHERE chain_seq > ${applied}` +
  `${since ? ` AND occurred_at >= ${since}` : ''}) pending`;

/** SQL: the job's own position, for statements that cannot bind it. */
export const APPLIED_SEQ_SQL = '(SELECT applied_seq FROM rollup_state WHERE id = 1)';

/** Where the rollups stand in a snapshot: the job's position, and the earliest event not folded in yet. */
export interface RollupPosition {
  appliedSeq: string;
  /** null: every event is in the rollups. */
  pendingSince: Date | null;
}

/**
 * SQL: a FROM item (aliased as the rollup table) that reads like the rollup kept exact: its rows plus the events
 * the job has not folded in yet (per `position`, read in the same snapshot), grouped the same way. The job moves
 * events from one half to the other in one transaction, so within one snapshot every event is counted exactly
 * once. Filters on the alias are pushed into both halves by the planner. `bind` adds a value as a parameter.
 */
export function exactRollupSql(
  rollup: RollupTable,
  position: RollupPosition,
  bind: (value: unknown) => string,
): string {
  if (position.pendingSince === null) return rollup.table;
  const columns = [...rollupKey(rollup), 'calls', 'errors', 'duration_sum', 'latency'].join(', ');
  const pending = pendingEventsSql(bind(position.appliedSeq), bind(position.pendingSince));
  return `(SELECT ${columns} FROM ${rollup.table}
    UNION ALL ${rollupGroupsSql(rollup, pending, '+', false)}) ${rollup.table}`;
}
