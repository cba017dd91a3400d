import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { freeServicePort, processes, REPO_ROOT, serviceCatalogue, testInfra, uniqueId } from '@portcullis/testing';
import { connect } from 'nats';
import { Client as PgClient } from 'pg';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { fmt, measure, type RunStats } from '../lib/latency-stats';
import { runScaleBench } from './mcp-scale';

const LEVELS = [
  { concurrency: 1, total: 1_000 },
  { concurrency: 8, total: 3_000 },
  { concurrency: 32, total: 5_000 },
];
const EVERYTHING = join(REPO_ROOT, 'node_modules/@modelcontextprotocol/server-everything/dist/index.js');

/**
 * tools/call through the gateway (HTTP → gateway → NATS → orchestrator → sandboxed stdio server) against the same
 * client calling the same server directly over stdio, side by side in one run, with distinct arguments per call.
 */
async function main(): Promise<void> {
  const id = uniqueId('mcpbench');
  const { natsUrl } = testInfra();
  const token = `pc_admin_${randomBytes(24).toString('base64url')}`;
  const env = {
    NATS_URL: natsUrl,
    BUS_PREFIX: `${id}.`,
    EVENTS_STREAM: `EVENTS_${id}`,
    LOG_LEVEL: 'warn',
    NODE_ENV: 'production',
    PORTCULLIS_FILE: join(REPO_ROOT, 'portcullis.yaml'),
    DATABASE_URL: testInfra().databaseUrl,
  };
  const defs = new Map(serviceCatalogue.SERVICES.map((s) => [s.name, s]));
  const gatewayPort = await freeServicePort();
  const services = [
    processes.startService(defs.get('gateway')!, {
      port: gatewayPort,
      env: { ...env, ADMIN_TOKEN: token, DATABASE_SCHEMA: `gateway_${id}` },
      logSink: process.env.BENCH_LOGS ? (line: string) => process.stderr.write(`${line}\n`) : () => undefined,
    }),
    processes.startService(defs.get('orchestrator')!, {
      port: await freeServicePort(),
      env: { ...env, DATABASE_SCHEMA: `orchestrator_${id}` },
      logSink: process.env.BENCH_LOGS ? (line: string) => process.stderr.write(`${line}\n`) : () => undefined,
    }),
  ];
  const gateway = new Client({ name: 'bench', version: '1' });
  const direct = new Client({ name: 'bench', version: '1' });
  try {
    await Promise.all(services.map((s) => processes.waitReady(s.url, 60_000, { exited: s.exited })));
    await gateway.connect(
      new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${gatewayPort}/v1/mcp/default/servers/everything`), {
        requestInit: { headers: { Authorization: `Bearer ${token}` } },
      }),
    );
    await direct.connect(
      new StdioClientTransport({ command: process.execPath, args: [EVERYTHING, 'stdio'], stderr: 'ignore' }),
    );
    const call = (client: Client) => (i: number) => client.callTool({ name: 'get-sum', arguments: { a: i, b: i * 7 } });
    await measure(300, 8, call(direct));
    await measure(300, 8, call(gateway));
    const rows: { concurrency: number; direct: RunStats; gateway: RunStats }[] = [];
    for (const level of LEVELS) {
      const directStats = await measure(level.total, level.concurrency, call(direct));
      const gatewayStats = await measure(level.total, level.concurrency, call(gateway));
      rows.push({ concurrency: level.concurrency, direct: directStats, gateway: gatewayStats });
    }
    print(rows);
    writeFileSync(
      join(REPO_ROOT, 'tmp', 'bench-mcp.json'),
      `${JSON.stringify({ at: new Date().toISOString(), rows }, null, 2)}\n`,
    );
  } finally {
    await Promise.all([gateway.close(), direct.close()].map((p) => p.catch(() => undefined)));
    await processes.stopAll(services, { timeoutMs: 5_000 });
    const cleanup = await connect({ servers: natsUrl });
    await (await cleanup.jetstreamManager()).streams.delete(`EVENTS_${id}`).catch(() => undefined);
    await cleanup.close();
    const pg = new PgClient({ connectionString: testInfra().databaseUrl });
    await pg.connect();
    for (const schema of [`gateway_${id}`, `orchestrator_${id}`])
      await pg.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await pg.end();
  }
}

function print(rows: { concurrency: number; direct: RunStats; gateway: RunStats }[]): void {
  const out = [
    '',
    'MCP tools/call (server-everything get-sum, one session): through the gateway vs direct stdio',
    '',
    '| concurrency | path | calls | calls/s | p50 ms | p95 ms | p99 ms | throughput vs direct | added p95 ms |',
    '|---:|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const { concurrency, direct, gateway } of rows) {
    out.push(
      `| ${concurrency} | direct (stdio) | ${direct.count} | ${fmt(direct.perSecond, 0)} | ${fmt(direct.p50)} | ${fmt(direct.p95)} | ${fmt(direct.p99)} | 1.00 | — |`,
    );
    out.push(
      `| ${concurrency} | gateway | ${gateway.count} | ${fmt(gateway.perSecond, 0)} | ${fmt(gateway.p50)} | ${fmt(gateway.p95)} | ${fmt(gateway.p99)} | ${fmt(gateway.perSecond / direct.perSecond)} | ${fmt(gateway.p95 - direct.p95)} |`,
    );
  }
  process.stdout.write(`${out.join('\n')}\n\n`);
}

async function all(): Promise<void> {
  if (!process.env.BENCH_MCP_ONLY || process.env.BENCH_MCP_ONLY === 'calls') await main();
  if (!process.env.BENCH_MCP_ONLY || process.env.BENCH_MCP_ONLY === 'scale') await runScaleBench();
}

all().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
