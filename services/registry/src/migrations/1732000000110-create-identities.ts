import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Users, console sessions, teams, custom roles and role assignments; everything belongs to one organisation. */
export class CreateIdentities1732000000110 implements MigrationInterface {
  name = 'CreateIdentities1732000000110';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE users (
        id uuid PRIMARY KEY,
        organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
        email text NOT NULL,
        name text NOT NULL,
        password_hash text,
        disabled boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    // One sign-in name across the installation: login finds the user (and so the organisation) by email.
    await runner.query('CREATE UNIQUE INDEX users_email_key ON users (lower(email))');
    await runner.query('CREATE INDEX users_organization_idx ON users (organization_id, id)');
    await runner.query(`
      CREATE TABLE sessions (
        id uuid PRIMARY KEY,
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        token_hash bytea NOT NULL UNIQUE,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        revoked_at timestamptz
      )`);
    await runner.query(`
      CREATE TABLE teams (
        id uuid PRIMARY KEY,
        organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
        name text NOT NULL,
        description text NOT NULL DEFAULT '',
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (organization_id, name)
      )`);
    await runner.query(`
      CREATE TABLE team_members (
        team_id uuid NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        added_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (team_id, user_id)
      )`);
    await runner.query(`
      CREATE TABLE roles (
        organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
        name text NOT NULL,
        description text NOT NULL DEFAULT '',
        permissions text[] NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (organization_id, name)
      )`);
    // A role is built-in (admin, editor, member; not stored) or a custom role of the same organisation.
    await runner.query(`
      CREATE TABLE role_assignments (
        organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        role text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (user_id, role)
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    for (const table of ['role_assignments', 'roles', 'team_members', 'teams', 'sessions', 'users']) {
      await runner.query(`DROP TABLE ${table}`);
    }
  }
}
