import type { MigrationInterface, QueryRunner } from 'typeorm';

/** A catalog entry installed for an organisation, team or user; credentials live in `secrets`. */
export class CreateInstallations1732000000160 implements MigrationInterface {
  name = 'CreateInstallations1732000000160';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE installations (
        id uuid PRIMARY KEY,
        organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
        catalog_entry_id uuid NOT NULL,
        scope text NOT NULL CHECK (scope IN ('organization', 'team', 'user')),
        subject_id uuid NOT NULL,
        status text NOT NULL DEFAULT 'requested'
          CHECK (status IN ('requested', 'approved', 'deploying', 'ready', 'failed', 'declined')),
        status_reason text,
        configuration jsonb NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        created_by text NOT NULL,
        updated_by text NOT NULL,
        -- The entry must belong to the same organisation; an entry with installations cannot be deleted.
        FOREIGN KEY (organization_id, catalog_entry_id) REFERENCES catalog_entries (organization_id, id),
        UNIQUE (organization_id, catalog_entry_id, scope, subject_id)
      )`);
    await runner.query('CREATE INDEX installations_subject_idx ON installations (organization_id, scope, subject_id)');
    await runner.query('CREATE INDEX installations_entry_idx ON installations (catalog_entry_id)');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE installations');
  }
}
