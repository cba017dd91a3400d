import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { connect } from 'nats';
import { Client } from 'pg';
import { REPO_ROOT } from './repo-root';
import { processes, type ServiceDef, type ServiceHandle, serviceCatalogue } from './scripts';
import { freeServicePort } from './service-port';
import { testInfra, uniqueId } from './test-infra';

export interface PlatformOptions {
  /** Services to start (default: all seven). */
  only?: string[];
  /** Overrides of the infrastructure URLs (e.g. a NATS server the test owns). */
  natsUrl?: string;
  databaseUrl?: string;
  redisUrl?: string;
  env?: Record<string, string>;
  readyTimeoutMs?: number;
}

export interface TestPlatform {
  id: string;
  adminToken: string;
  busPrefix: string;
  eventsStream: string;
  logDir: string;
  services: Map<string, ServiceHandle>;
  defs: Map<string, ServiceDef>;
  env: Record<string, string>;
  url(service: string): string;
  schemaOf(service: string): string | null;
  /** Starts (or restarts) one service with the platform's isolation settings. */
  start(service: string): ServiceHandle;
  /** Starts one more replica of a service on a port of its own (not tracked in `services`; stopped with the rest). */
  startReplica(service: string): Promise<ServiceHandle>;
  stop(): Promise<void>;
}

/**
 * The platform as `npm start` runs it (same compiled entry points, same process helpers), isolated for one
 * test file: free ports, its own subject prefix, stream, Postgres schemas and Redis key prefix, logs in files.
 */
export async function startPlatform(options: PlatformOptions = {}): Promise<TestPlatform> {
  const id = uniqueId('t');
  const infra = { ...testInfra(), ...definedOnly(options) };
  const adminToken = `pc_admin_${randomBytes(24).toString('base64url')}`;
  const logDir = join(REPO_ROOT, 'tmp', 'test-logs', id);
  mkdirSync(logDir, { recursive: true });
  const defs = new Map(
    serviceCatalogue.SERVICES.filter((d) => !options.only || options.only.includes(d.name)).map((d) => [d.name, d]),
  );
  const ports = new Map<string, number>();
  for (const name of defs.keys()) ports.set(name, await freeServicePort());
  const common: Record<string, string> = {
    NATS_URL: infra.natsUrl,
    BUS_PREFIX: `${id}.`,
    EVENTS_STREAM: `EVENTS_${id}`,
    LOG_LEVEL: 'debug',
    NODE_ENV: 'test',
    SHUTDOWN_TIMEOUT_MS: '8000',
    ...options.env,
  };
  const services = new Map<string, ServiceHandle>();
  let started = 0;
  const schemaOf = (name: string) => (defs.get(name)?.schema ? `${defs.get(name)!.schema}_${id}` : null);
  const envOf = (def: ServiceDef): Record<string, string> => ({
    ...common,
    ...(def.schema ? { DATABASE_URL: infra.databaseUrl, DATABASE_SCHEMA: schemaOf(def.name)! } : {}),
    ...(def.redis ? { REDIS_URL: infra.redisUrl, REDIS_KEY_PREFIX: `${id}:` } : {}),
    ...(def.name === 'gateway' ? { ADMIN_TOKEN: adminToken } : {}),
    SERVICE_INSTANCE_ID: `${def.name}-${id}-${started++}`,
  });
  const replicas: ServiceHandle[] = [];
  const spawnService = (name: string, port: number, log: string): ServiceHandle => {
    const def = defs.get(name);
    if (!def) throw new Error(`unknown service ${name}`);
    return processes.startService(def, { env: envOf(def), port, logSink: processes.fileSink(join(logDir, log)) });
  };
  const start = (name: string): ServiceHandle => {
    const handle = spawnService(name, ports.get(name)!, `${name}.log`);
    services.set(name, handle);
    return handle;
  };
  const startReplica = async (name: string): Promise<ServiceHandle> => {
    const handle = spawnService(name, await freeServicePort(), `${name}-replica-${replicas.length + 1}.log`);
    replicas.push(handle);
    await processes.waitReady(handle.url, 60_000, { exited: handle.exited });
    return handle;
  };
  for (const name of defs.keys()) start(name);
  const platform: TestPlatform = {
    id,
    adminToken,
    busPrefix: common['BUS_PREFIX'],
    eventsStream: common['EVENTS_STREAM'],
    logDir,
    services,
    defs,
    env: common,
    url: (name) => `http://127.0.0.1:${ports.get(name)}`,
    schemaOf,
    start,
    startReplica,
    stop: async () => {
      await processes.stopAll(replicas, { timeoutMs: 10_000 });
      await stopPlatform(platform, infra);
    },
  };
  try {
    await Promise.all(
      [...services.values()].map((h) =>
        processes.waitReady(h.url, options.readyTimeoutMs ?? 120_000, { exited: h.exited }),
      ),
    );
  } catch (error) {
    const tails = [...services.values()].map((h) => `--- ${h.name}\n${h.tail(15)}`).join('\n');
    await platform.stop();
    throw new Error(`${(error as Error).message}\n${tails}`);
  }
  return platform;
}

function definedOnly(options: PlatformOptions): Partial<ReturnType<typeof testInfra>> {
  const out: Partial<ReturnType<typeof testInfra>> = {};
  if (options.natsUrl) out.natsUrl = options.natsUrl;
  if (options.databaseUrl) out.databaseUrl = options.databaseUrl;
  if (options.redisUrl) out.redisUrl = options.redisUrl;
  return out;
}

/** Stops the services, then removes what the run created: schemas, the stream and its Redis keys (BullMQ queues). */
async function stopPlatform(platform: TestPlatform, infra: ReturnType<typeof testInfra>): Promise<void> {
  await processes.stopAll([...platform.services.values()], { timeoutMs: 10_000 });
  const schemas = [...platform.defs.keys()].map((n) => platform.schemaOf(n)).filter((s): s is string => !!s);
  if (schemas.length > 0) {
    const pg = new Client({ connectionString: infra.databaseUrl });
    await pg.connect();
    try {
      for (const schema of schemas) await pg.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    } finally {
      await pg.end();
    }
  }
  const nc = await connect({ servers: infra.natsUrl, timeout: 2_000 }).catch(() => undefined);
  if (nc) {
    const jsm = await nc.jetstreamManager();
    await jsm.streams.delete(platform.eventsStream).catch(() => undefined);
    await nc.close();
  }
  await dropRedisKeys(infra.redisUrl, `${platform.id}:`).catch(() => undefined);
}

/** Deletes every Redis key under a test run's key prefix. */
export async function dropRedisKeys(redisUrl: string, keyPrefix: string): Promise<void> {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${keyPrefix}*`, 'COUNT', 500);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
