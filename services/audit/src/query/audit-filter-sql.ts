import type { AuditFilter } from '@portcullis/contracts';
import type { SqlParams } from './sql-params';

/** Which relation the conditions are for: raw events, or one of the hourly rollups. */
export type FilterTarget = 'events' | 'rollup' | 'rollup_callers';

/** The column each filter field matches, per target (absent: the target cannot filter on it). */
const COLUMNS: Record<Exclude<keyof AuditFilter, 'from' | 'to'>, Partial<Record<FilterTarget, string>>> = {
  type: { events: 'type', rollup: 'type', rollup_callers: 'type' },
  actor: { events: 'actor_id', rollup_callers: 'caller' },
  gateway: { events: 'gateway', rollup: 'gateway', rollup_callers: 'gateway' },
  server: { events: 'server', rollup: 'server', rollup_callers: 'server' },
  tool: { events: 'tool', rollup: 'tool', rollup_callers: 'tool' },
  outcome: { events: 'outcome', rollup: 'outcome', rollup_callers: 'outcome' },
  traceId: { events: 'trace_id' },
};

/** Whether a filter can be answered from a rollup (the rollups have no trace ids, and only one has callers). */
export function rollupCanFilter(filter: AuditFilter, target: Exclude<FilterTarget, 'events'>): boolean {
  return (Object.keys(COLUMNS) as (keyof typeof COLUMNS)[]).every(
    (field) => filter[field] === undefined || COLUMNS[field][target] !== undefined,
  );
}

/**
 * The WHERE conditions of a filter, every value a placeholder. The tenant always comes first and always from the
 * caller scope, never from the filter. `from`/`to` apply to `occurred_at` for events and to `bucket_hour` (already
 * widened to whole hours by the caller) for rollups.
 */
export function auditFilterSql(
  params: SqlParams,
  tenant: string,
  filter: AuditFilter,
  target: FilterTarget,
  range: { from?: Date; to?: Date } = {},
): string[] {
  const time = target === 'events' ? 'occurred_at' : 'bucket_hour';
  const conditions = [`tenant = ${params.add(tenant)}`];
  // The caller's own text when not widened: Postgres keeps microseconds a JS Date would drop.
  const from = range.from?.toISOString() ?? filter.from;
  const to = range.to?.toISOString() ?? filter.to;
  if (from) conditions.push(`${time} >= ${params.add(from)}::timestamptz`);
  if (to) conditions.push(`${time} < ${params.add(to)}::timestamptz`);
  for (const field of Object.keys(COLUMNS) as (keyof typeof COLUMNS)[]) {
    const value = filter[field];
    if (value === undefined) continue;
    const column = COLUMNS[field][target];
    if (!column) throw new Error(`${target} cannot filter on ${field}`);
    conditions.push(`${column} = ${params.add(value)}`);
  }
  return conditions;
}
