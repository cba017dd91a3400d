import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import Redis from 'ioredis';
import { connect } from 'nats';
import { Client } from 'pg';

type Source = 'env' | 'local' | 'started';
type Infra = {
  natsUrl?: string;
  databaseUrl?: string;
  redisUrl?: string;
  sources: { nats?: Source; postgres?: Source; redis?: Source };
  started: string[];
  stop(): Promise<void>;
};
// eslint-disable-next-line @typescript-eslint/no-require-imports -- plain CommonJS shared with the launcher
const { ensureInfra, freePort } = require('./infra.cjs') as {
  ensureInfra: (options: {
    dataDir: string;
    log?: (message: string) => void;
    need?: { nats?: boolean; postgres?: boolean; redis?: boolean };
    ports?: { nats?: number; postgres?: number; redis?: number };
    env?: Record<string, string | undefined>;
    timeoutMs?: number;
  }) => Promise<Infra>;
  freePort: () => Promise<number>;
};

const quiet = () => undefined;

const dirs: string[] = [];

/** A temp data dir; others may search it because Postgres runs as user `postgres` when we are root. */
function dataDir() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'infra-spec-'));
  fs.chmodSync(dir, 0o755);
  dirs.push(dir);
  return dir;
}

async function freePorts() {
  return { nats: await freePort(), postgres: await freePort(), redis: await freePort() };
}

function listening(port: number) {
  return new Promise<boolean>((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.on('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

async function natsHasJetStream(url: string) {
  const nc = await connect({ servers: url });
  try {
    const jsm = await nc.jetstreamManager();
    return (await jsm.getAccountInfo()).limits !== undefined;
  } finally {
    await nc.close();
  }
}

async function withRedis<T>(url: string, fn: (redis: Redis) => Promise<T>) {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  try {
    return await fn(redis);
  } finally {
    redis.disconnect();
  }
}

async function withPostgres<T>(url: string, fn: (client: Client) => Promise<T>) {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

describe('ensureInfra', () => {
  const dir = dataDir();
  let ports: Awaited<ReturnType<typeof freePorts>>;
  let own: Infra;

  beforeAll(async () => {
    ports = await freePorts();
    own = await ensureInfra({ dataDir: dir, ports, env: {}, log: quiet });
  });

  afterAll(async () => {
    await own?.stop();
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  it('should start nats-server, Postgres and redis-server when nothing answers on their ports', () => {
    expect(own.sources).toEqual({ nats: 'started', postgres: 'started', redis: 'started' });
    expect(own.started.sort()).toEqual(['nats-server', 'postgres', 'redis-server']);
    expect(own.natsUrl).toBe(`nats://127.0.0.1:${ports.nats}`);
    expect(own.redisUrl).toBe(`redis://127.0.0.1:${ports.redis}`);
    expect(own.databaseUrl).toMatch(
      new RegExp(`^postgres://postgres:[^@]+@127\\.0\\.0\\.1:${ports.postgres}/portcullis$`),
    );
  });

  it('should give a NATS with JetStream, a Redis that answers and a portcullis database', async () => {
    await expect(natsHasJetStream(own.natsUrl!)).resolves.toBe(true);
    await expect(withRedis(own.redisUrl!, (r) => r.ping())).resolves.toBe('PONG');
    const db = await withPostgres(
      own.databaseUrl!,
      async (c) => (await c.query<{ db: string }>('select current_database() as db')).rows[0].db,
    );
    expect(db).toBe('portcullis');
  });

  it('should keep data in the data dir', () => {
    expect(fs.existsSync(path.join(dir, 'nats', 'jetstream'))).toBe(true);
    expect(fs.existsSync(path.join(dir, 'postgres', 'data', 'PG_VERSION'))).toBe(true);
    expect(fs.readdirSync(path.join(dir, 'redis')).length).toBeGreaterThan(0);
  });

  it('should use servers already listening on its ports instead of starting more', async () => {
    const again = await ensureInfra({ dataDir: dir, ports, env: {}, log: quiet });
    expect(again.sources).toEqual({ nats: 'local', postgres: 'local', redis: 'local' });
    expect(again.started).toEqual([]);
    expect(again.databaseUrl).toBe(own.databaseUrl);
    await again.stop();
    // stop() leaves alone what it did not start
    await expect(withRedis(own.redisUrl!, (r) => r.ping())).resolves.toBe('PONG');
  });

  it('should take URLs from the environment over anything on its ports', async () => {
    const elsewhere = await freePorts();
    const env = { NATS_URL: own.natsUrl, DATABASE_URL: own.databaseUrl, REDIS_URL: own.redisUrl };
    const fromEnv = await ensureInfra({ dataDir: dataDir(), ports: elsewhere, env, log: quiet });
    expect(fromEnv).toMatchObject({
      ...{ natsUrl: env.NATS_URL, databaseUrl: env.DATABASE_URL, redisUrl: env.REDIS_URL },
      started: [],
    });
    expect(fromEnv.sources).toEqual({ nats: 'env', postgres: 'env', redis: 'env' });
    for (const port of Object.values(elsewhere)) await expect(listening(port)).resolves.toBe(false);
  });

  it('should name the variable whose server does not answer', async () => {
    const url = `redis://127.0.0.1:${await freePort()}`;
    await expect(
      ensureInfra({
        dataDir: dataDir(),
        need: { nats: false, postgres: false },
        env: { REDIS_URL: url },
        timeoutMs: 500,
        log: quiet,
      }),
    ).rejects.toThrow(`Redis at REDIS_URL=${url} is not reachable`);
  });

  it('should stop what it started and find the same data on the next start', async () => {
    await withRedis(own.redisUrl!, (r) => r.set('infra-spec', 'kept'));
    await withPostgres(own.databaseUrl!, (c) => c.query('create table kept (id int); insert into kept values (42)'));
    await own.stop();
    for (const port of Object.values(ports)) await expect(listening(port)).resolves.toBe(false);

    own = await ensureInfra({ dataDir: dir, ports, env: {}, log: quiet });
    expect(own.started.sort()).toEqual(['nats-server', 'postgres', 'redis-server']);
    await expect(withRedis(own.redisUrl!, (r) => r.get('infra-spec'))).resolves.toBe('kept');
    const rows = await withPostgres(
      own.databaseUrl!,
      async (c) => (await c.query<{ id: number }>('select id from kept')).rows,
    );
    expect(rows).toEqual([{ id: 42 }]);
  });
});
