import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Envelope-encrypted secrets (installation credentials), one row per owner and name; values never leave in clear. */
export class CreateSecrets1732000000170 implements MigrationInterface {
  name = 'CreateSecrets1732000000170';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE secrets (
        id uuid PRIMARY KEY,
        organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
        owner_type text NOT NULL CHECK (owner_type IN ('installation')),
        owner_id uuid NOT NULL,
        name text NOT NULL,
        key_id text NOT NULL,
        wrapped_key bytea NOT NULL,
        iv bytea NOT NULL,
        tag bytea NOT NULL,
        ciphertext bytea NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (owner_type, owner_id, name)
      )`);
    await runner.query('CREATE INDEX secrets_key_id_idx ON secrets (key_id)');
    await runner.query('CREATE INDEX secrets_organization_idx ON secrets (organization_id)');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE secrets');
  }
}
