import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Gateways (profiles) of an organisation, the installations each serves (ordered, optional tool allow-list) and who
 * may use a gateway whose access is restricted. `gateway_servers` is also written by the installation-request
 * workflow (GatewaysService.assignInstallation), so its shape is a contract.
 */
export class CreateGateways1732000000190 implements MigrationInterface {
  name = 'CreateGateways1732000000190';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE gateways (
        id uuid PRIMARY KEY,
        organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
        slug text NOT NULL,
        name text NOT NULL,
        description text NOT NULL DEFAULT '',
        prefix_mode text NOT NULL DEFAULT 'always' CHECK (prefix_mode IN ('always', 'on-conflict', 'never')),
        untrusted_context boolean NOT NULL DEFAULT false,
        access text NOT NULL DEFAULT 'organization' CHECK (access IN ('organization', 'restricted')),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        created_by text NOT NULL,
        updated_by text NOT NULL,
        UNIQUE (organization_id, slug)
      )`);
    await runner.query(`
      CREATE TABLE gateway_servers (
        gateway_id uuid NOT NULL REFERENCES gateways (id) ON DELETE CASCADE,
        installation_id uuid NOT NULL REFERENCES installations (id) ON DELETE CASCADE,
        position int NOT NULL DEFAULT 0,
        tools text[] NULL,
        PRIMARY KEY (gateway_id, installation_id)
      )`);
    await runner.query('CREATE INDEX gateway_servers_installation_idx ON gateway_servers (installation_id)');
    await runner.query(`
      CREATE TABLE gateway_access (
        gateway_id uuid NOT NULL REFERENCES gateways (id) ON DELETE CASCADE,
        user_id uuid REFERENCES users (id) ON DELETE CASCADE,
        team_id uuid REFERENCES teams (id) ON DELETE CASCADE,
        CHECK ((user_id IS NULL) <> (team_id IS NULL)),
        UNIQUE (gateway_id, user_id),
        UNIQUE (gateway_id, team_id)
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE gateway_access');
    await runner.query('DROP TABLE gateway_servers');
    await runner.query('DROP TABLE gateways');
  }
}
