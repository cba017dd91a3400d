import type { MigrationInterface, QueryRunner } from 'typeorm';
import { ROLLUP_TABLES } from '../query/rollup-tables';
import { APPLIED_SEQ_SQL, pendingEventsSql, rollupUpsertSql } from '../rollup/rollup-sql';
import { createRollupTriggers } from './1732000000210-create-rollups';

/**
 * Rollups maintained by a job instead of triggers. Upserting every batch's groups inside the ingesting
 * transaction cost a third of ingestion throughput; the job (`RollupApplier`) folds in thousands of events per
 * statement instead, in the order of `chain_seq`, and `rollup_state.applied_seq` says how far it got. Queries add
 * the not-yet-applied events (`chain_seq > applied_seq`) on the fly, so aggregates stay exact.
 *
 * Moving rows between partitions keeps their `chain_seq`, so it no longer touches the rollups at all.
 */
export class AsyncRollups1732000000220 implements MigrationInterface {
  name = 'AsyncRollups1732000000220';

  async up(runner: QueryRunner): Promise<void> {
    // No ingestion commits while the switch happens: the triggers were exact up to the head read here.
    await runner.query('LOCK TABLE chain_head IN EXCLUSIVE MODE');
    await runner.query('DROP TRIGGER events_rollup_delete ON events');
    await runner.query('DROP TRIGGER events_rollup_insert ON events');
    await runner.query('DROP FUNCTION rollup_events_deleted()');
    await runner.query('DROP FUNCTION rollup_events_inserted()');
    await runner.query(`
      CREATE TABLE rollup_state (
        id smallint PRIMARY KEY CHECK (id = 1),
        applied_seq bigint NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`);
    await runner.query('INSERT INTO rollup_state (id, applied_seq) SELECT 1, seq FROM chain_head WHERE id = 1');
  }

  async down(runner: QueryRunner): Promise<void> {
    // Fold in what the job has not applied yet, then hand the rollups back to the triggers.
    await runner.query('LOCK TABLE chain_head IN EXCLUSIVE MODE');
    for (const rollup of ROLLUP_TABLES) await runner.query(rollupUpsertSql(rollup, pendingEventsSql(APPLIED_SEQ_SQL)));
    await runner.query('DROP TABLE rollup_state');
    await createRollupTriggers(runner);
  }
}
