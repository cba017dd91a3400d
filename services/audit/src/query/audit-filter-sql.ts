import type { AuditFilter } from '@portcullis/contracts';
import type { RollupDim, RollupTable } from './rollup-tables';
import type { SqlParams } from './sql-params';

/** Which relation the conditions are for: raw events, or one of the hourly rollups. */
export type FilterTarget = 'events' | RollupTable;

type FilterField = Exclude<keyof AuditFilter, 'from' | 'to'>;

/** The events column and the rollup dimension (if any rollup has one) each filter field matches. */
const FIELDS: Record<FilterField, { column: string; dim?: RollupDim }> = {
  type: { column: 'type', dim: 'type' },
  actor: { column: 'actor_id', dim: 'caller' },
  gateway: { column: 'gateway', dim: 'gateway' },
  server: { column: 'server', dim: 'server' },
  tool: { column: 'tool', dim: 'tool' },
  outcome: { column: 'outcome', dim: 'outcome' },
  traceId: { column: 'trace_id' },
};

/** The rollup dimensions a filter needs, or undefined when no rollup can answer it (trace ids). */
export function rollupDimsOf(filter: AuditFilter): RollupDim[] | undefined {
  const dims: RollupDim[] = [];
  for (const field of Object.keys(FIELDS) as FilterField[]) {
    if (filter[field] === undefined) continue;
    const dim = FIELDS[field].dim;
    if (!dim) return undefined;
    dims.push(dim);
  }
  return dims;
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
  const rollup = target === 'events' ? undefined : target;
  const time = rollup ? 'bucket_hour' : 'occurred_at';
  const conditions = [`tenant = ${params.add(tenant)}`];
  // The caller's own text when not widened: Postgres keeps microseconds a JS Date would drop.
  const from = range.from?.toISOString() ?? filter.from;
  const to = range.to?.toISOString() ?? filter.to;
  if (from) conditions.push(`${time} >= ${params.add(from)}::timestamptz`);
  if (to) conditions.push(`${time} < ${params.add(to)}::timestamptz`);
  for (const field of Object.keys(FIELDS) as FilterField[]) {
    const value = filter[field];
    if (value === undefined) continue;
    const { column, dim } = FIELDS[field];
    if (rollup && (!dim || !rollup.dims.includes(dim))) throw new Error(`${rollup.table} cannot filter on ${field}`);
    conditions.push(`${rollup ? dim : column} = ${params.add(value)}`);
  }
  return conditions;
}
