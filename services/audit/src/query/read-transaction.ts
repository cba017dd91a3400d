import type { Database } from '@portcullis/persistence';

export type ReadQuery = <T = Record<string, unknown>>(sql: string, params: unknown[]) => Promise<T[]>;

/** Longest an analyst's query may run before Postgres cancels it. */
const STATEMENT_TIMEOUT_MS = 15_000;

/**
 * Runs read-only queries in one transaction with JIT off (compiling a plan costs more than these queries take),
 * enough work_mem for an aggregate's groups to be hashed in memory rather than sorted, and a statement timeout,
 * so a heavy query fails cleanly instead of holding a connection. REPEATABLE READ when several statements must
 * see one snapshot.
 */
export async function readTransaction<T>(
  db: Database,
  work: (query: ReadQuery) => Promise<T>,
  isolation: 'READ COMMITTED' | 'REPEATABLE READ' = 'READ COMMITTED',
): Promise<T> {
  return db.dataSource.transaction(isolation, async (manager) => {
    await manager.query(
      "SELECT set_config('jit', 'off', true), set_config('statement_timeout', $1, true), " +
        "set_config('transaction_read_only', 'on', true), set_config('work_mem', '32MB', true)",
      [String(STATEMENT_TIMEOUT_MS)],
    );
    return work(<R>(sql: string, params: unknown[]) => manager.query<R[]>(sql, params));
  });
}
