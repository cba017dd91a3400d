import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The private catalog: servers an organisation allows to be installed. */
export class CreateCatalogEntries1732000000150 implements MigrationInterface {
  name = 'CreateCatalogEntries1732000000150';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE catalog_entries (
        id uuid PRIMARY KEY,
        organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
        name text NOT NULL,
        slug text NOT NULL CHECK (slug ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
        title text,
        description text NOT NULL DEFAULT '',
        version text NOT NULL,
        tags text[] NOT NULL DEFAULT '{}',
        kind text NOT NULL CHECK (kind IN ('remote', 'local')),
        server jsonb NOT NULL,
        user_config jsonb NOT NULL DEFAULT '[]',
        new_tools_need_approval boolean NOT NULL DEFAULT true,
        metadata jsonb NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        created_by text NOT NULL,
        updated_by text NOT NULL,
        UNIQUE (organization_id, slug),
        UNIQUE (organization_id, name),
        UNIQUE (organization_id, id)
      )`);
    await runner.query('CREATE INDEX catalog_entries_tags_idx ON catalog_entries USING gin (tags)');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE catalog_entries');
  }
}
