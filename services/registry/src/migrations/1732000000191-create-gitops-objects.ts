import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What the portcullis.yaml seed manages: one row per object it made (catalog entry, installation, gateway), keyed by
 * its id in the file, with a hash of what was applied — an unchanged object is skipped, a vanished one pruned.
 */
export class CreateGitopsObjects1732000000191 implements MigrationInterface {
  name = 'CreateGitopsObjects1732000000191';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE gitops_objects (
        organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
        kind text NOT NULL CHECK (kind IN ('server', 'gateway')),
        name text NOT NULL,
        row_id uuid NOT NULL,
        spec_hash text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (organization_id, kind, name)
      )`);
    await runner.query('CREATE INDEX gitops_objects_row_idx ON gitops_objects (row_id)');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE gitops_objects');
  }
}
