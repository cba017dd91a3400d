import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Baseline of every data-owning service: which replicas, of which versions, have run against this schema.
 * Operators read it to see what touched the data before an incident or an upgrade.
 */
export class CreateServiceInstances1732000000000 implements MigrationInterface {
  name = 'CreateServiceInstances1732000000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE service_instances (
        instance_id text PRIMARY KEY,
        version text NOT NULL,
        started_at timestamptz NOT NULL,
        last_seen_at timestamptz NOT NULL,
        stopped_at timestamptz
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE service_instances');
  }
}
