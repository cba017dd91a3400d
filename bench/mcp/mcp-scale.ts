import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { freeServicePort, processes, serviceCatalogue, testInfra, uniqueId } from '@portcullis/testing';
import { connect } from 'nats';
import { Client as PgClient } from 'pg';
import { fmt, measure, type RunStats } from '../lib/latency-stats';

const SERVERS = 50;
const TOOLS = 20;
const SESSIONS = 1_000;

/** Resident memory of a process, from the kernel. */
const rssMb = (pid: number): number => {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'));
  return Number(line?.replace(/\D+/g, '') ?? 0) / 1024;
};

async function startFixture(port: number): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [join(__dirname, 'wide-fixture-server.js'), String(port), String(SERVERS), String(TOOLS)],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  await new Promise<void>((resolve, reject) => {
    child.stdout.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`the fixture server exited (${code})`)));
  });
  return child;
}

/**
 * The MCP issue's scale figures: tools/list of a gateway with 50 servers × 20 tools (1,000 tools, one page) through
 * the aggregated endpoint, against listing the same 50 servers directly (in parallel, as a client of all of them
 * would); and the gateway's memory with 1,000 open client sessions (each with its GET stream), all on remote
 * streamable-HTTP upstreams served by one fixture process.
 */
export async function runScaleBench(): Promise<void> {
  const id = uniqueId('mcpscale');
  const { natsUrl, databaseUrl } = testInfra();
  const token = `pc_admin_${randomBytes(24).toString('base64url')}`;
  const fixturePort = await freeServicePort();
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-scale-'));
  const file = join(dir, 'portcullis.yaml');
  const ids = Array.from({ length: SERVERS }, (_, i) => `s${String(i + 1).padStart(2, '0')}`);
  writeFileSync(
    file,
    [
      'version: 1',
      'servers:',
      ...ids.map(
        (s, i) =>
          `  - { id: ${s}, name: wide ${i + 1}, runtime: { type: remote, url: "http://127.0.0.1:${fixturePort}/s${i + 1}/mcp" } }`,
      ),
      'gateways:',
      `  - { id: wide, name: Fifty servers, servers: [${ids.join(', ')}] }`,
      '',
    ].join('\n'),
  );
  const env = {
    NATS_URL: natsUrl,
    BUS_PREFIX: `${id}.`,
    EVENTS_STREAM: `EVENTS_${id}`,
    LOG_LEVEL: 'warn',
    NODE_ENV: 'production',
    PORTCULLIS_FILE: file,
    DATABASE_URL: databaseUrl,
    MCP_LIST_PAGE_SIZE: '1000',
    ORCHESTRATOR_UPSTREAM_ALLOWED_CIDRS: '127.0.0.1/32',
    ORCHESTRATOR_MAX_INSTANCES: String(SESSIONS + SERVERS + 50),
  };
  const defs = new Map(serviceCatalogue.SERVICES.map((s) => [s.name, s]));
  const gatewayPort = await freeServicePort();
  const fixture = await startFixture(fixturePort);
  const services = [
    processes.startService(defs.get('gateway')!, {
      port: gatewayPort,
      env: { ...env, ADMIN_TOKEN: token, DATABASE_SCHEMA: `gateway_${id}` },
      logSink: () => undefined,
    }),
    processes.startService(defs.get('orchestrator')!, {
      port: await freeServicePort(),
      env: { ...env, DATABASE_SCHEMA: `orchestrator_${id}` },
      logSink: () => undefined,
    }),
  ];
  const clients: Client[] = [];
  const open = async (url: string, headers: Record<string, string> = { Authorization: `Bearer ${token}` }) => {
    const client = new Client({ name: 'scale-bench', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }));
    clients.push(client);
    return client;
  };
  try {
    await Promise.all(services.map((s) => processes.waitReady(s.url, 60_000, { exited: s.exited })));
    const gatewayPid = services[0].pid;

    // tools/list of 1,000 tools: aggregated endpoint vs the 50 servers listed directly in parallel.
    const aggregated = await open(`http://127.0.0.1:${gatewayPort}/v1/mcp/wide`);
    const direct = await Promise.all(ids.map((_, i) => open(`http://127.0.0.1:${fixturePort}/s${i + 1}/mcp`, {})));
    const count = (await aggregated.listTools()).tools.length;
    if (count !== SERVERS * TOOLS) throw new Error(`the wide gateway lists ${count} tools, not ${SERVERS * TOOLS}`);
    await measure(20, 1, () => aggregated.listTools());
    const listDirect = await measure(200, 1, () => Promise.all(direct.map((c) => c.listTools())));
    const listGateway = await measure(200, 1, () => aggregated.listTools());
    for (const client of clients.splice(0)) await client.close().catch(() => undefined);

    // 1,000 sessions, each initialised, with its GET stream open, and one call made.
    const before = rssMb(gatewayPid);
    const started = Date.now();
    const url = `http://127.0.0.1:${gatewayPort}/v1/mcp/wide/servers/s01`;
    for (let batch = 0; batch < SESSIONS; batch += 50) {
      const opened = await Promise.all(Array.from({ length: Math.min(50, SESSIONS - batch) }, () => open(url)));
      await Promise.all(opened.map((c, i) => c.callTool({ name: 'tool_0', arguments: { text: `s${batch + i}` } })));
    }
    const openSeconds = (Date.now() - started) / 1000;
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const withSessions = rssMb(gatewayPid);
    const probe = await measure(500, 8, (i) =>
      clients[i % clients.length].callTool({ name: 'tool_1', arguments: { text: 'x' } }),
    );
    print(listDirect, listGateway, { before, withSessions, openSeconds, probe });
  } finally {
    await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
    await processes.stopAll(services, { timeoutMs: 10_000 });
    fixture.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
    const nc = await connect({ servers: natsUrl });
    await (await nc.jetstreamManager()).streams.delete(`EVENTS_${id}`).catch(() => undefined);
    await nc.close();
    const pg = new PgClient({ connectionString: databaseUrl });
    await pg.connect();
    for (const schema of [`gateway_${id}`, `orchestrator_${id}`])
      await pg.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await pg.end();
  }
}

function print(
  direct: RunStats,
  gateway: RunStats,
  sessions: { before: number; withSessions: number; openSeconds: number; probe: RunStats },
): void {
  const out = [
    '',
    `MCP tools/list of ${SERVERS} servers × ${TOOLS} tools (${SERVERS * TOOLS} tools, one page): aggregated endpoint vs the ${SERVERS} servers listed directly in parallel`,
    '',
    '| path | lists | p50 ms | p95 ms | p99 ms |',
    '|---|---:|---:|---:|---:|',
    `| direct (${SERVERS} clients, in parallel) | ${direct.count} | ${fmt(direct.p50)} | ${fmt(direct.p95)} | ${fmt(direct.p99)} |`,
    `| gateway \`/v1/mcp/wide\` | ${gateway.count} | ${fmt(gateway.p50)} | ${fmt(gateway.p95)} | ${fmt(gateway.p99)} |`,
    '',
    `Gateway memory with ${SESSIONS} open sessions (each initialised, GET stream open, one call made; remote upstream)`,
    '',
    '| gateway RSS before | with sessions | per session | sessions opened in | tools/call p95 at c=8 across them |',
    '|---:|---:|---:|---:|---:|',
    `| ${fmt(sessions.before, 0)} MB | ${fmt(sessions.withSessions, 0)} MB | ${fmt(((sessions.withSessions - sessions.before) * 1024) / SESSIONS, 1)} KB | ${fmt(sessions.openSeconds, 1)} s | ${fmt(sessions.probe.p95)} ms |`,
    '',
  ];
  process.stdout.write(`${out.join('\n')}\n`);
}
