import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig } from '@portcullis/config';
import { Database } from '@portcullis/persistence';
import { LOGGER } from '@portcullis/service-kit';
import type { Logger } from 'pino';
import type { AuditEnv } from '../env';
import { AuditMetrics } from '../ingest/audit-metrics';
import { ROLLUP_TABLES } from '../query/rollup-tables';
import { fineCountsSql, ROLLUP_SOURCE_COLUMNS, rollupFromCountsSql, rollupUpsertRowsSql } from './rollup-sql';

/**
 * One statement: the next range of the chain read once, folded into every rollup, and the state moved past it.
 * $1 = applied_seq, $2 = the new applied_seq.
 */
const APPLY_SQL = `
  WITH counts AS MATERIALIZED (${fineCountsSql(
    `(SELECT ${ROLLUP_SOURCE_COLUMNS} FROM events WHERE chain_seq > $1 AND chain_seq <= $2) pending`,
  )}),
  ${ROLLUP_TABLES.map(
    (rollup, i) => `r${i} AS (${rollupUpsertRowsSql(rollup, rollupFromCountsSql(rollup, 'counts'))} RETURNING 1)`,
  ).join(',\n')}
  UPDATE rollup_state SET applied_seq = $2, applied_at = now() WHERE id = 1`;

export interface ApplyOutcome {
  /** Events folded in by this call (0: nothing new, or another replica holds the rollups). */
  applied: number;
  /** Events still waiting after it. */
  pending: number;
}

/**
 * Folds newly ingested events into the hourly rollups, in chain order, one replica at a time (the others skip the
 * locked state row). Everything up to the committed chain head is visible (rows and head commit together), so
 * nothing is skipped; the state moves in the same transaction as the rollups, so nothing is counted twice.
 */
@Injectable()
export class RollupApplier implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private running = false;
  private loop: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private wakeUp: (() => void) | undefined;

  constructor(
    private readonly db: Database,
    private readonly config: AppConfig<AuditEnv>,
    private readonly metrics: AuditMetrics,
    @Inject(LOGGER) private readonly log: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.running = true;
    this.loop = this.run();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    this.wakeUp?.();
    await this.loop;
  }

  /** Applies at most one chunk. */
  async applyOnce(): Promise<ApplyOutcome> {
    const chunk = this.config.get('AUDIT_ROLLUP_CHUNK');
    return this.db.dataSource.transaction(async (tx) => {
      const [state] = await tx.query<{ applied: string }[]>(
        'SELECT applied_seq::text AS applied FROM rollup_state WHERE id = 1 FOR UPDATE SKIP LOCKED',
      );
      if (!state) return { applied: 0, pending: 0 };
      const [head] = await tx.query<{ seq: string }[]>('SELECT seq::text AS seq FROM chain_head WHERE id = 1');
      const applied = BigInt(state.applied);
      const headSeq = BigInt(head.seq);
      const to = headSeq < applied + BigInt(chunk) ? headSeq : applied + BigInt(chunk);
      if (to > applied) {
        // Enough memory to group a whole chunk in a hash table rather than spilling a sort to disk.
        await tx.query("SELECT set_config('work_mem', '64MB', true)");
        await tx.query(APPLY_SQL, [applied.toString(), to.toString()]);
      }
      const pending = Number(headSeq - (to > applied ? to : applied));
      this.metrics.rollupPending.set(pending);
      return { applied: Number(to > applied ? to - applied : 0n), pending };
    });
  }

  private async run(): Promise<void> {
    await this.db.whenInitialised;
    while (this.running) {
      let outcome: ApplyOutcome = { applied: 0, pending: 0 };
      try {
        outcome = await this.applyOnce();
      } catch (error) {
        this.log.warn({ err: error }, 'folding events into the rollups failed; retrying');
      }
      // A backlog is worked off at once; otherwise wait for the next round.
      if (outcome.pending > 0 && outcome.applied > 0) continue;
      await new Promise<void>((resolve) => {
        this.wakeUp = resolve;
        this.timer = setTimeout(resolve, this.config.get('AUDIT_ROLLUP_INTERVAL_MS'));
        this.timer.unref();
      });
    }
  }
}
