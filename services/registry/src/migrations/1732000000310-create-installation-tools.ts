import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The tools an installation's server lists, as discovered when it was deployed: each definition with the SHA-256 of
 * its canonical JSON. `approved_hash` is the pin: what an approver accepted. A definition whose hash differs from
 * its pin is withheld from gateways (tool pinning); a tool without a pin waits for approval (`pending`).
 */
export class CreateInstallationTools1732000000310 implements MigrationInterface {
  name = 'CreateInstallationTools1732000000310';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE installation_tools (
        organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
        installation_id uuid NOT NULL REFERENCES installations (id) ON DELETE CASCADE,
        name text NOT NULL,
        definition jsonb NOT NULL,
        hash text NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$'),
        approved_hash text CHECK (approved_hash ~ '^[0-9a-f]{64}$'),
        status text NOT NULL CHECK (status IN ('approved', 'withheld', 'pending')),
        approved_by text,
        approved_at timestamptz,
        discovered_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (installation_id, name)
      )`);
    await runner.query('CREATE INDEX installation_tools_organization_idx ON installation_tools (organization_id)');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE installation_tools');
  }
}
