import { parseArgs } from 'node:util';
import { databaseEnvShape, databaseSchemaShape, loadEnv } from '@portcullis/config';
import { Client } from 'pg';
import { z } from 'zod';
import { ChainHasher } from './chain/chain-hash';
import { verifyChain, type VerifyOptions } from './chain/verify-chain';
import { auditChainKeyShape } from './env';

const USAGE = `usage: node dist/services/audit/src/verify-cli.js [--from-seq N] [--limit N]
Verifies the audit hash chain in DATABASE_URL / DATABASE_SCHEMA with AUDIT_CHAIN_KEY and prints the report as JSON.
Exit status: 0 intact, 1 tampered (the report names the first problem), 2 usage or connection error.`;

const cliEnv = z.object({ ...databaseEnvShape, ...databaseSchemaShape('audit'), ...auditChainKeyShape });

class UsageError extends Error {}

function optionsOf(argv: string[]): VerifyOptions {
  let values: { 'from-seq'?: string; limit?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { 'from-seq': { type: 'string' }, limit: { type: 'string' }, help: { type: 'boolean' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) throw new UsageError('');
  const positive = (name: string, text: string | undefined): number | undefined => {
    if (text === undefined) return undefined;
    if (!/^[1-9][0-9]*$/.test(text) || !Number.isSafeInteger(Number(text)))
      throw new UsageError(`--${name} must be a positive integer`);
    return Number(text);
  };
  return { fromSeq: positive('from-seq', values['from-seq']), limit: positive('limit', values.limit) };
}

/** `npm run audit:verify`: the chain verifier as a command, for operators and cron jobs. */
async function main(argv: string[]): Promise<number> {
  let options: VerifyOptions;
  let env: z.infer<typeof cliEnv>;
  try {
    options = optionsOf(argv);
    env = loadEnv('audit-verify', cliEnv);
  } catch (error) {
    process.stderr.write(`${(error as Error).message ? `${(error as Error).message}\n` : ''}${USAGE}\n`);
    return 2;
  }
  const client = new Client({
    connectionString: env.DATABASE_URL,
    connectionTimeoutMillis: 5_000,
    application_name: 'portcullis-audit-verify',
    options: `-c search_path=${env.DATABASE_SCHEMA}`,
  });
  try {
    await client.connect();
    const [{ present }] = (
      await client.query<{ present: boolean }>(`SELECT to_regclass('chain_head') IS NOT NULL AS present`)
    ).rows;
    if (!present) throw new Error(`schema "${env.DATABASE_SCHEMA}" holds no audit chain`);
    const report = await verifyChain(
      { query: async (sql, params) => (await client.query<Record<string, unknown>>(sql, params)).rows },
      new ChainHasher(env.AUDIT_CHAIN_KEY),
      options,
    );
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return report.ok ? 0 : 1;
  } catch (error) {
    process.stderr.write(`audit verify: ${(error as Error).message}\n`);
    return 2;
  } finally {
    await client.end().catch(() => undefined);
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    process.exit(2);
  },
);
