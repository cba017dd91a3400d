import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

type ServiceDef = { name: string; port: number; schema: string | null; redis: boolean; publicHttp: boolean };
// eslint-disable-next-line @typescript-eslint/no-require-imports -- plain CommonJS shared with the launcher
const { SERVICES } = require('./services.cjs') as { SERVICES: ServiceDef[]; WEB_PORT: number };
type ExitStatus = { code: number | null; signal: NodeJS.Signals | null };
type Handle = {
  name: string;
  pid: number;
  url: string;
  exitStatus: ExitStatus | null;
  exited: Promise<ExitStatus>;
  tail(lines?: number): string;
};
type LogSink = ((line: string) => void) & { close?: () => void };
type InfraUrls = { natsUrl?: string; databaseUrl?: string; redisUrl?: string };
// eslint-disable-next-line @typescript-eslint/no-require-imports -- plain CommonJS shared with the launcher
const { freePort } = require('./infra.cjs') as { freePort: () => Promise<number> };
// eslint-disable-next-line @typescript-eslint/no-require-imports -- plain CommonJS shared with the launcher
const { fileSink, formatLogLine, serviceEnv, startService, stopAll, waitReady } = require('./processes.cjs') as {
  serviceEnv: (
    def: ServiceDef,
    infra: InfraUrls,
    options?: { port?: number; adminToken?: string; extra?: Record<string, string> },
  ) => Record<string, string>;
  startService: (
    def: ServiceDef,
    options?: { env?: Record<string, string>; port?: number; logSink?: LogSink; entry?: string },
  ) => Handle;
  waitReady: (
    url: string,
    timeoutMs: number,
    options?: { intervalMs?: number; exited?: Promise<unknown> },
  ) => Promise<unknown>;
  stopAll: (
    handles: Handle[],
    options?: { timeoutMs?: number },
  ) => Promise<{ name: string; status: ExitStatus; killed: boolean }[]>;
  fileSink: (file: string) => LogSink;
  formatLogLine: (line: string) => string;
};

const def = (name: string) => SERVICES.find((s) => s.name === name)!;

// A stand-in for a built service: /ready turns 200 after a moment; FAKE_MODE changes how it behaves.
const FAKE_SERVICE = `
const http = require('node:http');
const { spawn } = require('node:child_process');
let ready = false;
setTimeout(() => (ready = true), 200);
const server = http.createServer((req, res) => {
  const body = JSON.stringify({ status: ready ? 'ready' : 'not_ready', checks: { nats: ready ? 'up' : 'down' } });
  res.writeHead(req.url === '/ready' && !ready ? 503 : 200, { 'content-type': 'application/json' }).end(body);
});
server.listen(Number(process.env.HTTP_PORT), '127.0.0.1', () => {
  console.log(JSON.stringify({ level: 'info', msg: 'listening', schema: process.env.DATABASE_SCHEMA }));
  console.error('a line on stderr');
});
if (process.env.FAKE_MODE === 'crash') setTimeout(() => process.exit(3), 100);
if (process.env.FAKE_MODE === 'stubborn') process.on('SIGTERM', () => console.log('ignoring SIGTERM'));
else process.on('SIGTERM', () => server.close(() => process.exit(0)));
if (process.env.FAKE_MODE === 'parent') {
  const child = spawn(process.execPath, ['-e', 'process.on("SIGTERM", () => {}); setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  console.log('grandchild ' + child.pid);
}
`;

/** Whether a process runs; a zombie waiting for init to reap it does not count. */
const alive = (pid: number) => {
  try {
    return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};

describe('processes', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'processes-spec-'));
  const entry = path.join(dir, 'main.js');
  fs.writeFileSync(entry, FAKE_SERVICE);

  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  async function start(name: string, mode = 'normal') {
    const port = await freePort();
    const logFile = path.join(dir, `${name}-${port}.log`);
    const sink = fileSink(logFile);
    const env = serviceEnv(
      def(name),
      { natsUrl: 'nats://127.0.0.1:1', databaseUrl: 'postgres://x@127.0.0.1:1/p', redisUrl: 'redis://127.0.0.1:1' },
      { adminToken: 'pc_admin_'.padEnd(40, 'x'), port, extra: { FAKE_MODE: mode } },
    );
    return { handle: startService(def(name), { env, port, logSink: sink, entry }), logFile, sink };
  }

  describe(serviceEnv.name, () => {
    const infra = { natsUrl: 'nats://n:4222', databaseUrl: 'postgres://p/portcullis', redisUrl: 'redis://r:6379' };

    it('should give the gateway its admin token, Redis and the database of its outbox', () => {
      expect(serviceEnv(def('gateway'), infra, { adminToken: 't'.repeat(32) })).toEqual({
        HTTP_PORT: '3000',
        NATS_URL: 'nats://n:4222',
        DATABASE_URL: 'postgres://p/portcullis',
        DATABASE_SCHEMA: 'gateway',
        REDIS_URL: 'redis://r:6379',
        ADMIN_TOKEN: 't'.repeat(32),
      });
    });

    it('should give a data-owning service its database and schema', () => {
      expect(serviceEnv(def('registry'), infra, { port: 4001 })).toEqual({
        HTTP_PORT: '4001',
        NATS_URL: 'nats://n:4222',
        DATABASE_URL: 'postgres://p/portcullis',
        DATABASE_SCHEMA: 'registry',
        REDIS_URL: 'redis://r:6379',
      });
      expect(serviceEnv(def('orchestrator'), infra)).toEqual({
        HTTP_PORT: '3002',
        NATS_URL: 'nats://n:4222',
        DATABASE_URL: 'postgres://p/portcullis',
        DATABASE_SCHEMA: 'orchestrator',
      });
    });

    it('should refuse to start a gateway without an admin token', () => {
      expect(() => serviceEnv(def('gateway'), infra)).toThrow('the gateway needs an admin token');
    });
  });

  it('should start a service on its port, wait for /ready and capture its output', async () => {
    const { handle, logFile, sink } = await start('audit');
    await expect(waitReady(handle.url, 5000)).resolves.toEqual({ status: 'ready', checks: { nats: 'up' } });
    const results = await stopAll([handle], { timeoutMs: 2000 });
    sink.close!();
    expect(results).toEqual([{ name: 'audit', status: { code: 0, signal: null }, killed: false }]);
    const log = fs.readFileSync(logFile, 'utf8');
    expect(log).toContain('"schema":"audit"');
    expect(log).toContain('a line on stderr');
    expect(handle.tail()).toContain('a line on stderr');
  });

  it('should say what /ready last answered when a service does not get ready in time', async () => {
    const { handle } = await start('guard');
    await expect(waitReady(handle.url, 50, { intervalMs: 10 })).rejects.toThrow(
      /did not answer 200 within 0 s \(last: (503 .*not_ready.*|ECONNREFUSED)\)/,
    );
    await stopAll([handle]);
  });

  it('should stop waiting as soon as the service exits', async () => {
    const { handle } = await start('apps', 'crash');
    const started = Date.now();
    await expect(waitReady(handle.url, 10_000, { exited: handle.exited })).rejects.toThrow(
      'exited before it was ready',
    );
    expect(Date.now() - started).toBeLessThan(3000);
    expect(handle.exitStatus).toEqual({ code: 3, signal: null });
  });

  it('should SIGKILL a service that ignores SIGTERM once the timeout passes', async () => {
    const { handle } = await start('llm-proxy', 'stubborn');
    await waitReady(handle.url, 5000);
    const [result] = await stopAll([handle], { timeoutMs: 300 });
    expect(result).toMatchObject({ killed: true, status: { signal: 'SIGKILL' } });
    expect(alive(handle.pid)).toBe(false);
  });

  it('should leave nothing a service spawned running after stopping it', async () => {
    const { handle } = await start('orchestrator', 'parent');
    await waitReady(handle.url, 5000);
    const grandchild = Number(/grandchild (\d+)/.exec(handle.tail())?.[1]);
    expect(alive(grandchild)).toBe(true);
    await stopAll([handle], { timeoutMs: 2000 });
    expect(alive(grandchild)).toBe(false);
  });

  it('should refuse to start a service that is not built', () => {
    expect(() => startService(def('apps'), { entry: path.join(dir, 'missing.js') })).toThrow(
      'does not exist; build first',
    );
  });

  describe(formatLogLine.name, () => {
    it('should turn pino JSON into a readable line and leave other text alone', () => {
      const line = JSON.stringify({
        level: 'warn',
        time: '2026-01-02T03:04:05.678Z',
        service: 'gateway',
        pid: 1,
        context: 'Bus',
        msg: 'slow reply',
        ms: 812,
      });
      expect(formatLogLine(line)).toBe('03:04:05.678 warn  [Bus] slow reply {"ms":812}');
      expect(formatLogLine('plain text')).toBe('plain text');
    });
  });
});
