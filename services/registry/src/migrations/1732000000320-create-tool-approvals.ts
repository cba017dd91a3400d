import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Tool pinning on the data path. `tool_pinning` says an installation's tools have pins: set when an approved deploy
 * stored them, or on first sight for installations that never had any (GitOps-seeded: trust on first use). A tool an
 * approved server presents with a changed definition, or newly, gets a row in `tool_approval_requests`: one per
 * installation, tool and definition hash (so however often the data path reports it, one request), at most one
 * pending per tool (a newer change supersedes the older request).
 */
export class CreateToolApprovals1732000000320 implements MigrationInterface {
  name = 'CreateToolApprovals1732000000320';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE tool_pinning (
        installation_id uuid PRIMARY KEY REFERENCES installations (id) ON DELETE CASCADE,
        organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
        source text NOT NULL CHECK (source IN ('approval', 'first-use')),
        pinned_at timestamptz NOT NULL DEFAULT now()
      )`);
    await runner.query(`
      INSERT INTO tool_pinning (installation_id, organization_id, source)
      SELECT DISTINCT installation_id, organization_id, 'approval' FROM installation_tools`);
    await runner.query(`
      CREATE TABLE tool_approval_requests (
        id uuid PRIMARY KEY,
        organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
        installation_id uuid NOT NULL REFERENCES installations (id) ON DELETE CASCADE,
        tool_name text NOT NULL,
        kind text NOT NULL CHECK (kind IN ('changed', 'added')),
        definition jsonb NOT NULL,
        hash text NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$'),
        previous_definition jsonb,
        approved_hash text CHECK (approved_hash ~ '^[0-9a-f]{64}$'),
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'declined', 'superseded')),
        decided_by text,
        decided_at timestamptz,
        decision_reason text,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (installation_id, tool_name, hash)
      )`);
    await runner.query(`
      CREATE UNIQUE INDEX tool_approval_requests_pending_idx
        ON tool_approval_requests (installation_id, tool_name) WHERE status = 'pending'`);
    await runner.query(
      'CREATE INDEX tool_approval_requests_organization_idx ON tool_approval_requests (organization_id, status, id)',
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE tool_approval_requests');
    await runner.query('DROP TABLE tool_pinning');
  }
}
