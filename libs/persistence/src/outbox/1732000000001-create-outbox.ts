import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every service's event outbox: events the stream did not acknowledge wait here, in publish order (`seq`), until
 * the relay has them acknowledged and deletes them. `event_id` is unique, so storing an event twice keeps one.
 */
export class CreateOutbox1732000000001 implements MigrationInterface {
  name = 'CreateOutbox1732000000001';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE outbox (
        seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        event_id uuid NOT NULL UNIQUE,
        type text NOT NULL,
        payload text NOT NULL,
        headers jsonb NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE outbox');
  }
}
