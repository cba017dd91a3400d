import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The audit trail: one row per event id, and the events that failed validation, kept for inspection. */
export class CreateEvents1732000000200 implements MigrationInterface {
  name = 'CreateEvents1732000000200';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE events (
        id uuid PRIMARY KEY,
        type text NOT NULL,
        occurred_at timestamptz NOT NULL,
        tenant text NOT NULL,
        actor_type text NOT NULL,
        actor_id text NOT NULL,
        traceparent text,
        data jsonb NOT NULL,
        stream_sequence bigint NOT NULL,
        ingested_at timestamptz NOT NULL DEFAULT now()
      )`);
    await runner.query('CREATE INDEX events_occurred_at_idx ON events (occurred_at)');
    await runner.query('CREATE INDEX events_tenant_type_occurred_at_idx ON events (tenant, type, occurred_at)');
    await runner.query(`
      CREATE TABLE dead_letters (
        id bigserial PRIMARY KEY,
        subject text NOT NULL,
        stream_sequence bigint NOT NULL UNIQUE,
        payload text NOT NULL,
        error text NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE dead_letters');
    await runner.query('DROP TABLE events');
  }
}
