import type { MigrationInterface, QueryRunner } from 'typeorm';

/** API tokens: only a SHA-256 of the secret is kept; scoped to a user, a team or the whole organisation. */
export class CreateApiTokens1732000000120 implements MigrationInterface {
  name = 'CreateApiTokens1732000000120';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE api_tokens (
        id uuid PRIMARY KEY,
        organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
        name text NOT NULL,
        token_hash bytea NOT NULL UNIQUE,
        prefix text NOT NULL,
        scope_type text NOT NULL CHECK (scope_type IN ('user', 'team', 'organization')),
        user_id uuid REFERENCES users (id) ON DELETE CASCADE,
        team_id uuid REFERENCES teams (id) ON DELETE CASCADE,
        roles text[] NOT NULL,
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz,
        revoked_at timestamptz,
        CHECK ((scope_type = 'user') = (user_id IS NOT NULL)),
        CHECK ((scope_type = 'team') = (team_id IS NOT NULL))
      )`);
    await runner.query('CREATE INDEX api_tokens_organization_idx ON api_tokens (organization_id, id)');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE api_tokens');
  }
}
