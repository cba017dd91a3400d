import {
  type EventEnvelope,
  registryHttpRequest,
  type RegistryCallerMessage,
  registryTokensVerify,
  type ResponseOf,
} from '@portcullis/contracts';
import { bootstrapService, type RunningService } from '@portcullis/service-kit';
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { connect, type NatsConnection } from 'nats';
import { Client } from 'pg';
import { registryService } from '../../registry.service-definition';

/** Any JSON answer of the API as tests read it: the union of the fields its resources and problems have. */
export interface ApiJson {
  id: string;
  slug: string;
  name: string;
  email: string;
  description: string;
  disabled: boolean;
  roles: string[];
  members: string[];
  permissions: string[];
  builtIn: boolean;
  token: string;
  prefix: string;
  scope: { type: string; id: string };
  user: { id: string; email: string; organization: string };
  items: ApiJson[];
  nextCursor: string | null;
  status: number;
  title: string;
  detail: string;
  errors: { field: string; message: string }[];
}

export interface ApiAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
  json: ApiJson;
}

export interface RegistryHarness {
  running: RunningService;
  prefix: string;
  /** A REST request exactly as the gateway forwards it: over the bus, with the caller it authenticated. */
  api(
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    url: string,
    options?: { caller?: RegistryCallerMessage | null; body?: unknown; headers?: Record<string, string> },
  ): Promise<ApiAnswer>;
  verify(token: string): Promise<ResponseOf<typeof registryTokensVerify>>;
  /** Events published so far under `events.v1.registry.>`. */
  events: EventEnvelope[];
  httpUrl: string;
  stop(): Promise<void>;
}

/** The bootstrap admin token's caller in an organisation (the gateway sends this for ADMIN_TOKEN). */
export const platformAdmin = (tenant = 'default'): RegistryCallerMessage => ({
  actor: 'admin',
  tenant,
  roles: ['admin'],
  permissions: ['*:*', 'platform:admin'],
  credential: { type: 'admin', id: 'admin' },
});

/**
 * The registry started in-process as main.ts starts it (real Postgres, NATS, Redis), isolated for one test file:
 * its own subject prefix, stream, schema and key prefix; everything removed again by stop().
 */
export async function startRegistry(extraEnv: Record<string, string> = {}): Promise<RegistryHarness> {
  const id = `reg${randomBytes(5).toString('hex')}`;
  // Infrastructure as the tests find it (@portcullis/testing's testInfra, which only test files may import).
  const infra = {
    natsUrl: process.env['NATS_URL'] ?? 'nats://127.0.0.1:4222',
    databaseUrl: process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/portcullis',
    redisUrl: process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379',
  };
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    HTTP_HOST: '127.0.0.1',
    HTTP_PORT: '0',
    NATS_URL: infra.natsUrl,
    BUS_PREFIX: `${id}.`,
    EVENTS_STREAM: `EVENTS_${id}`,
    DATABASE_URL: infra.databaseUrl,
    DATABASE_SCHEMA: `registry_${id}`,
    REDIS_URL: infra.redisUrl,
    REDIS_KEY_PREFIX: `${id}:`,
    SERVICE_INSTANCE_ID: `registry-${id}`,
    ...extraEnv,
  };
  const saved = { ...process.env };
  Object.assign(process.env, env);
  let running: RunningService;
  try {
    running = await bootstrapService(registryService);
  } finally {
    process.env = saved;
  }
  await running.parts.database!.whenInitialised;
  await running.parts.bus.ready();
  const nc: NatsConnection = await connect({ servers: infra.natsUrl });
  const events: EventEnvelope[] = [];
  const sub = nc.subscribe(`${id}.events.v1.registry.>`, {
    callback: (_error, msg) => events.push(msg.json<EventEnvelope>()),
  });
  await nc.flush();
  const address = (running.app.getHttpServer() as Server).address() as AddressInfo;
  const bus = running.parts.busClient;
  return {
    running,
    prefix: `${id}.`,
    events,
    httpUrl: `http://127.0.0.1:${address.port}`,
    async api(method, url, options = {}) {
      const body = options.body === undefined ? null : JSON.stringify(options.body);
      const answer = await bus.request(
        registryHttpRequest,
        {
          method,
          url,
          headers: { ...(body === null ? {} : { 'content-type': 'application/json' }), ...options.headers },
          body,
          caller: options.caller === undefined ? platformAdmin() : options.caller,
        },
        { timeoutMs: 15_000 },
      );
      let json: unknown;
      try {
        json = answer.body ? JSON.parse(answer.body) : undefined;
      } catch {
        json = undefined;
      }
      return { ...answer, json: json as ApiJson };
    },
    verify: (token) => bus.request(registryTokensVerify, { token }),
    async stop() {
      sub.unsubscribe();
      await running.app.close();
      await running.parts.events.close();
      const jsm = await nc.jetstreamManager();
      await jsm.streams.delete(`EVENTS_${id}`).catch(() => undefined);
      await nc.close();
      await running.parts.bus.drain();
      await running.parts.database?.close();
      await running.parts.redis?.close();
      const pg = new Client({ connectionString: infra.databaseUrl });
      await pg.connect();
      await pg.query(`DROP SCHEMA IF EXISTS "registry_${id}" CASCADE`);
      await pg.end();
      // The installation workflow's BullMQ queue lives under the key prefix.
      const redis = new Redis(infra.redisUrl, { maxRetriesPerRequest: 1 });
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${id}:*`, 'COUNT', 500);
        if (keys.length > 0) await redis.del(...keys);
        cursor = next;
      } while (cursor !== '0');
      redis.disconnect();
    },
  };
}
