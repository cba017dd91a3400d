import type { MigrationInterface, QueryRunner } from 'typeorm';
import { HISTOGRAM_BUCKETS } from '../query/latency-histogram';
import { ROLLUP_TABLES } from '../query/rollup-tables';
import { rollupUpsertSql as upsertSql } from '../rollup/rollup-sql';

/**
 * Three grains, so the common questions read few rows: by tool, server or gateway (no callers); by caller (no
 * tools); and everything (for filters that combine them, or on the outcome). Each query reads the smallest one
 * that has the dimensions it filters and groups on (see `rollup-tables.ts`).
 */
const ROLLUPS = ROLLUP_TABLES;

/**
 * (Superseded in part by 1732000000220: the triggers cost a third of ingestion throughput and were replaced by an
 * asynchronous rollup job; the tables stay.)
 *
 * Hourly rollups of `events` for the aggregate API: per tenant, UTC hour and dimensions, the number of events,
 * how many did not end `ok`, the summed duration and a cumulative log-scale latency histogram (see
 * `latency-histogram.ts`).
 *
 * They are kept exact inside the ingesting transaction by statement-level AFTER triggers with transition tables
 * on the partitioned `events` (Postgres routes every partition's rows into the parent's transition table). Only
 * rows that were really inserted are in it — a redelivered event conflicts on the primary key and never reaches
 * the table — so the rollups count each event once, and a rolled-back batch rolls its rollup change back with it.
 * Rows deleted through `events` (moving rows between partitions) are subtracted; dropping a partition (retention)
 * fires no trigger, so the rollups keep the aggregates of retired days.
 */
export class CreateRollups1732000000210 implements MigrationInterface {
  name = 'CreateRollups1732000000210';

  async up(runner: QueryRunner): Promise<void> {
    for (const { table, dims } of ROLLUPS) {
      await runner.query(`
        CREATE TABLE ${table} (
          bucket_hour timestamptz NOT NULL,
          ${dims.map((d) => `${d} text${d === 'tenant' || d === 'type' || d === 'caller' ? ' NOT NULL' : ''}`).join(',\n          ')},
          calls bigint NOT NULL,
          errors bigint NOT NULL,
          duration_sum double precision NOT NULL,
          latency int4[] NOT NULL CHECK (cardinality(latency) = ${HISTOGRAM_BUCKETS})
        )`);
      // NULLS NOT DISTINCT (Postgres 15): a NULL tool is one group, so the upsert below finds its row. `calls` is
      // included so ranking the top groups of a range is an index-only scan, not a read of the histograms.
      await runner.query(
        `CREATE UNIQUE INDEX ${table}_key ON ${table} (tenant, bucket_hour, ${dims.filter((d) => d !== 'tenant').join(', ')}) INCLUDE (calls) NULLS NOT DISTINCT`,
      );
    }
    // The top tools' (callers') series without reading the other tools' (callers') rows.
    await runner.query(
      'CREATE INDEX rollup_hourly_tool_idx ON rollup_hourly (tenant, tool, bucket_hour) WHERE tool IS NOT NULL',
    );
    await runner.query(
      'CREATE INDEX rollup_hourly_callers_caller_idx ON rollup_hourly_callers (tenant, caller, bucket_hour)',
    );
    // The list API with a gateway filter (tool, server, actor and type have theirs in the events migration).
    await runner.query(
      'CREATE INDEX events_tenant_gateway_time_idx ON events (tenant, gateway, occurred_at) WHERE gateway IS NOT NULL',
    );

    await createRollupTriggers(runner);
    // Events stored before this migration (none on a new installation).
    for (const rollup of ROLLUPS) await runner.query(upsertSql(rollup, 'events', '+'));
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TRIGGER events_rollup_delete ON events');
    await runner.query('DROP TRIGGER events_rollup_insert ON events');
    await runner.query('DROP FUNCTION rollup_events_deleted()');
    await runner.query('DROP FUNCTION rollup_events_inserted()');
    await runner.query('DROP INDEX events_tenant_gateway_time_idx');
    for (const { table } of ROLLUPS) await runner.query(`DROP TABLE ${table}`);
  }
}

/** The statement-level triggers that kept the rollups exact until 1732000000220 replaced them with a job. */
export async function createRollupTriggers(runner: QueryRunner): Promise<void> {
  for (const sign of ['+', '-'] as const) {
    const fn = sign === '+' ? 'rollup_events_inserted' : 'rollup_events_deleted';
    const rows = sign === '+' ? 'inserted_rows' : 'deleted_rows';
    await runner.query(`
        CREATE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql AS $fn$
        BEGIN
          ${ROLLUPS.map((rollup) => `${upsertSql(rollup, rows, sign)};`).join('\n')}
          RETURN NULL;
        END
        $fn$`);
  }
  await runner.query(`
      CREATE TRIGGER events_rollup_insert AFTER INSERT ON events
      REFERENCING NEW TABLE AS inserted_rows FOR EACH STATEMENT EXECUTE FUNCTION rollup_events_inserted()`);
  await runner.query(`
      CREATE TRIGGER events_rollup_delete AFTER DELETE ON events
      REFERENCING OLD TABLE AS deleted_rows FOR EACH STATEMENT EXECUTE FUNCTION rollup_events_deleted()`);
}
