import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemHealthSchema } from '@portcullis/contracts';
import {
  eventually,
  freeServicePort,
  httpJson,
  startPlatform,
  type TestPlatform,
  testInfra,
} from '@portcullis/testing';
import { TcpProxy } from './tcp-proxy';

const SERVICES = ['gateway', 'registry', 'orchestrator', 'audit'];

/** Debian puts nats-server in /usr/sbin, which is not on every PATH. */
const binary = (name: string) =>
  ['/usr/sbin', '/usr/bin', '/usr/local/bin'].map((d) => join(d, name)).find(existsSync) ?? name;

/** A nats-server with JetStream that this test owns, so it can be killed and brought back on the same port. */
function startNats(port: number, dir: string): ChildProcess {
  return spawn(binary('nats-server'), ['-js', '-sd', dir, '-a', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
}

function startRedis(port: number, dir: string): ChildProcess {
  return spawn(
    binary('redis-server'),
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore',
    },
  );
}

const stopped = (child: ChildProcess) =>
  new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve(null);
    child.once('exit', resolve);
    child.once('error', resolve);
  });

describe('dependency outages (services stay up, go not-ready, recover by themselves)', () => {
  let platform: TestPlatform;
  let dir: string;
  let natsPort: number;
  let redisPort: number;
  let nats: ChildProcess;
  let redis: ChildProcess;
  let pgProxy: TcpProxy;

  const readyOf = async (name: string) =>
    (await httpJson(`${platform.url(name)}/ready`, { timeoutMs: 3_000 }).catch(() => ({ status: 0 }))).status;
  const allReady = async (names: string[], expected: number) =>
    (await Promise.all(names.map(readyOf))).every((s) => s === expected);
  const alive = () => SERVICES.every((n) => platform.services.get(n)!.exitStatus === null);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pc-outage-'));
    natsPort = await freeServicePort();
    redisPort = await freeServicePort();
    nats = startNats(natsPort, join(dir, 'nats'));
    redis = startRedis(redisPort, dir);
    const pgUrl = new URL(testInfra().databaseUrl);
    pgProxy = new TcpProxy(await freeServicePort(), { host: pgUrl.hostname, port: Number(pgUrl.port || 5432) });
    await pgProxy.up();
    pgUrl.port = String(pgProxy.port);
    pgUrl.hostname = '127.0.0.1';
    await new Promise((resolve) => setTimeout(resolve, 500));
    platform = await startPlatform({
      only: SERVICES,
      natsUrl: `nats://127.0.0.1:${natsPort}`,
      redisUrl: `redis://127.0.0.1:${redisPort}`,
      databaseUrl: pgUrl.toString(),
    });
  });

  afterAll(async () => {
    await pgProxy?.up().catch(() => undefined); // so the cleanup can drop the schemas
    await platform?.stop().catch(() => undefined);
    await pgProxy?.down();
    for (const child of [nats, redis]) {
      child?.kill('SIGKILL');
      if (child) await stopped(child);
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('should go not-ready when NATS dies and become ready again when it returns, without a restart', async () => {
    expect(await allReady(SERVICES, 200)).toBe(true);
    nats.kill('SIGKILL');
    await stopped(nats);
    expect(await eventually(() => allReady(SERVICES, 503), 15_000)).toBe(true);
    expect(alive()).toBe(true);
    for (const name of SERVICES) expect((await httpJson(`${platform.url(name)}/health`)).status).toBe(200);

    nats = startNats(natsPort, join(dir, 'nats'));
    expect(await eventually(() => allReady(SERVICES, 200), 30_000)).toBe(true);
    expect(alive()).toBe(true);
    // The bus works again end to end: subscriptions came back with the connection.
    const health = await httpJson(`${platform.url('gateway')}/api/v1/system/health`, { token: platform.adminToken });
    const services = systemHealthSchema.parse(health.body).services.filter((s) => SERVICES.includes(s.name));
    expect(services.map((s) => s.status)).toEqual(SERVICES.map(() => 'ready'));
  });

  it('should go not-ready when Redis dies (only where Redis is used) and recover when it returns', async () => {
    redis.kill('SIGKILL');
    await stopped(redis);
    expect(await eventually(() => allReady(['gateway', 'registry'], 503), 15_000)).toBe(true);
    expect(await allReady(['orchestrator', 'audit'], 200)).toBe(true);
    redis = startRedis(redisPort, dir);
    expect(await eventually(() => allReady(SERVICES, 200), 30_000)).toBe(true);
    expect(alive()).toBe(true);
  });

  it('should go not-ready when Postgres goes away (connections cut) and recover when it returns', async () => {
    await pgProxy.down();
    expect(await eventually(() => allReady(['registry', 'audit'], 503), 15_000)).toBe(true);
    expect(await allReady(['gateway', 'orchestrator'], 200)).toBe(true);
    await pgProxy.up();
    expect(await eventually(() => allReady(SERVICES, 200), 30_000)).toBe(true);
    expect(alive()).toBe(true);
  });
});
