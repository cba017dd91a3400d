/** A rollup dimension: a filter field (`caller` is the filter's `actor`) or something to group on. */
export type RollupDim = 'tenant' | 'type' | 'gateway' | 'server' | 'tool' | 'caller' | 'outcome';

export interface RollupTable {
  table: 'rollup_hourly' | 'rollup_hourly_callers' | 'rollup_hourly_detail';
  dims: readonly RollupDim[];
}

/** The hourly rollups, smallest first; the migration creates them and the queries pick from them. */
export const ROLLUP_TABLES: readonly RollupTable[] = [
  { table: 'rollup_hourly', dims: ['tenant', 'type', 'gateway', 'server', 'tool'] },
  { table: 'rollup_hourly_callers', dims: ['tenant', 'type', 'caller'] },
  { table: 'rollup_hourly_detail', dims: ['tenant', 'type', 'gateway', 'server', 'tool', 'caller', 'outcome'] },
];

/** The smallest rollup holding every dimension asked for, or undefined (then only raw rows can answer). */
export function rollupFor(needed: readonly RollupDim[]): RollupTable | undefined {
  return ROLLUP_TABLES.find((rollup) => needed.every((dim) => rollup.dims.includes(dim)));
}
