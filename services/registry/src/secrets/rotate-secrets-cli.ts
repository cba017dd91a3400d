import { baseEnvShape, databaseEnvShape, databaseSchemaShape, loadEnv } from '@portcullis/config';
import { Client } from 'pg';
import { z } from 'zod';
import { rotateSecrets } from './rotate-secrets';
import { secretKeyRingSpec } from './secret-key-ring';
import { secretKeyRingFromEnv } from './secret-key-ring.config';
import type { Queryable } from '../http/registry-db';

const USAGE = `usage: node dist/services/registry/src/secrets/rotate-secrets-cli.js
Re-wraps every registry secret under the first key of REGISTRY_SECRET_KEYS (keep the old keys listed after it until
this reports no failures). Safe to interrupt and to re-run. Prints the report as JSON.
Exit status: 0 all rotated, 1 some secrets could not be rotated, 2 configuration or connection error.`;

const cliEnv = z.object({
  NODE_ENV: baseEnvShape.NODE_ENV,
  ...databaseEnvShape,
  ...databaseSchemaShape('registry'),
  REGISTRY_SECRET_KEYS: secretKeyRingSpec.optional(),
});

/** Key rotation as a command, for operators: add a new key first in the list, run this, then drop the old key. */
async function main(): Promise<number> {
  let env: z.infer<typeof cliEnv>;
  try {
    env = loadEnv('registry-rotate-secrets', cliEnv);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const ring = secretKeyRingFromEnv(env);
  const client = new Client({
    connectionString: env.DATABASE_URL,
    connectionTimeoutMillis: 5_000,
    application_name: 'portcullis-registry-rotate-secrets',
    options: `-c search_path=${env.DATABASE_SCHEMA}`,
  });
  try {
    await client.connect();
    const runner: Queryable = {
      query: async <T>(sql: string, params?: unknown[]) => (await client.query(sql, params)).rows as T[],
    };
    const report = await rotateSecrets(async (work) => {
      await client.query('BEGIN');
      try {
        const result = await work(runner);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK');
        throw error;
      }
    }, ring);
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return report.failed.length === 0 ? 0 : 1;
  } catch (error) {
    process.stderr.write(`rotation failed: ${(error as Error).message}\n`);
    return 2;
  } finally {
    await client.end().catch(() => undefined);
  }
}

void main().then((code) => process.exit(code));
