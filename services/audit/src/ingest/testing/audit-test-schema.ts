import { randomBytes } from 'node:crypto';
import { loadEnv } from '@portcullis/config';
import { CreateServiceInstances1732000000000, Database } from '@portcullis/persistence';
import { Client } from 'pg';
import pino from 'pino';
import { type AuditEnv, auditEnv } from '../../env';
import { auditMigrations } from '../../migrations/audit-migrations';

export const silentLog = pino({ level: 'silent' });

/**
 * A migrated audit schema of its own for one test file (`<prefix><random>`), and a way to drop it. Postgres as the
 * tests find it (@portcullis/testing's testInfra, which only test files may import).
 */
export async function auditTestSchema(
  prefix = 'audit_it',
  databaseUrl = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/portcullis',
): Promise<{
  schema: string;
  open(): Promise<Database>;
  sql(text: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
  drop(): Promise<void>;
}> {
  const schema = `${prefix}${randomBytes(5).toString('hex')}`;
  const databases: Database[] = [];
  const open = async () => {
    const db = new Database(
      {
        url: databaseUrl,
        schema,
        poolMax: 4,
        service: 'audit-test',
        migrations: [CreateServiceInstances1732000000000, ...auditMigrations],
      },
      silentLog,
    );
    databases.push(db);
    await db.whenInitialised;
    return db;
  };
  const admin = new Client({ connectionString: databaseUrl, options: `-c search_path=${schema}` });
  await admin.connect();
  await open();
  return {
    schema,
    open,
    sql: async (text, params) => (await admin.query<Record<string, unknown>>(text, params)).rows,
    drop: async () => {
      for (const db of databases) await db.close();
      await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await admin.end();
    },
  };
}

/** The service's environment as it would parse, with overrides. */
export const auditTestEnv = (overrides: Record<string, string> = {}): AuditEnv =>
  loadEnv('audit', auditEnv, { DATABASE_SCHEMA: 'audit', ...overrides });
