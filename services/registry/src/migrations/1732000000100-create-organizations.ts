import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Tenants. The `default` organisation owns everything until identities and RBAC arrive. */
export class CreateOrganizations1732000000100 implements MigrationInterface {
  name = 'CreateOrganizations1732000000100';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE organizations (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        slug text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
        name text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await runner.query(`INSERT INTO organizations (slug, name) VALUES ('default', 'Default organisation')`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE organizations');
  }
}
