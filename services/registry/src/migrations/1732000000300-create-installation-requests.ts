import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Installation requests and their approval workflow. The installation's id is fixed when the request is made, so the
 * credentials sent with it are stored encrypted under that id (table `secrets`) before the installation exists, and
 * every workflow step is keyed by it. A custom request carries the catalog entry it creates on approval.
 */
export class CreateInstallationRequests1732000000300 implements MigrationInterface {
  name = 'CreateInstallationRequests1732000000300';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE installation_requests (
        id uuid PRIMARY KEY,
        organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
        installation_id uuid NOT NULL UNIQUE,
        catalog_entry_id uuid,
        custom_entry jsonb,
        server_name text NOT NULL,
        scope text NOT NULL CHECK (scope IN ('organization', 'team', 'user')),
        subject_id uuid NOT NULL,
        configuration jsonb NOT NULL DEFAULT '{}',
        gateway_ids uuid[] NOT NULL DEFAULT '{}',
        note text,
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'declined', 'expired')),
        requested_by text NOT NULL,
        remind_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        notified_at timestamptz,
        reminded_at timestamptz,
        decided_by text,
        decided_at timestamptz,
        decision_reason text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CHECK ((catalog_entry_id IS NOT NULL) OR (custom_entry IS NOT NULL)),
        FOREIGN KEY (organization_id, catalog_entry_id) REFERENCES catalog_entries (organization_id, id)
      )`);
    // One open request per server and subject; decided ones stay as history.
    await runner.query(`
      CREATE UNIQUE INDEX installation_requests_pending_idx
        ON installation_requests (organization_id, catalog_entry_id, scope, subject_id)
        WHERE status = 'pending' AND catalog_entry_id IS NOT NULL`);
    await runner.query(
      'CREATE INDEX installation_requests_status_idx ON installation_requests (status, organization_id)',
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE installation_requests');
  }
}
