import 'reflect-metadata';
import { Writable } from 'node:stream';
import { Module, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppConfig, loadEnv } from '@portcullis/config';
import type { RegistryCallerMessage } from '@portcullis/contracts';
import { BusClient, BusConnection, EventPublisher } from '@portcullis/messaging';
import { Metrics, PinoNestLogger, Readiness } from '@portcullis/observability';
import { CreateServiceInstances1732000000000, Database } from '@portcullis/persistence';
import { CoreModule } from '@portcullis/service-kit';
import { connect, type NatsConnection, StringCodec } from 'nats';
import pino from 'pino';
import { registryEnv } from '../../env';
import { RegistryHttpHandlers } from '../../http/registry-http.handlers';
import { RegistryHttpModule } from '../../http/registry-http.module';
import { InstallationsModule } from '../../installations/installations.module';
import { registryMigrations } from '../../migrations/registry-migrations';
import { CatalogModule } from '../catalog.module';

export interface TestInfra {
  natsUrl: string;
  databaseUrl: string;
}

export interface CapturedEvent {
  type: string;
  tenant: string;
  actor: { type: string; id: string };
  data: { [key: string]: unknown; changed?: string[]; source?: string; entryId?: string };
}

export interface TestResponse {
  status: number;
  body: string;
  json: <T = Record<string, unknown>>() => T;
}

export interface RegistryTestApp {
  app: NestFastifyApplication;
  database: Database;
  /** Every log line the app wrote (JSON text). */
  logs: string[];
  /** Every `events.v1.registry.…` event published, as the text that went on the bus. */
  events: { subject: string; text: string }[];
  /** The captured events matching `match`, parsed. */
  parsedEvents(match: (text: string) => boolean): CapturedEvent[];
  sql<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  /** Creates an organisation; returns its id. */
  organization(slug: string): Promise<string>;
  /** A REST request exactly as the gateway forwards it over the bus (RBAC guard, pipes, problem details). */
  request(caller: RegistryCallerMessage | null, method: string, url: string, body?: unknown): Promise<TestResponse>;
  /** Waits (up to 2 s) until `count` captured events match. */
  waitForEvents(count: number, match?: (event: { subject: string; text: string }) => boolean): Promise<void>;
  close(): Promise<void>;
}

/**
 * The registry's catalog and installation routes on a migrated schema of their own, a bus prefix and stream of their
 * own, logs captured in memory. Requests go through the same handler the gateway's bus requests reach.
 */
export async function startRegistryTestApp(
  id: string,
  infra: TestInfra,
  /** Further feature modules to load (e.g. gateways). */
  modules: Type[] = [],
): Promise<RegistryTestApp> {
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  const logger = pino({ level: 'trace' }, sink);
  const env = loadEnv('registry', registryEnv, {
    NODE_ENV: 'test',
    DATABASE_URL: infra.databaseUrl,
    DATABASE_SCHEMA: id,
    NATS_URL: infra.natsUrl,
    BUS_PREFIX: `${id}.`,
    EVENTS_STREAM: `EVENTS_${id}`,
  });
  const database = new Database(
    {
      url: infra.databaseUrl,
      schema: id,
      poolMax: 4,
      service: 'registry-test',
      migrations: [CreateServiceInstances1732000000000, ...registryMigrations],
    },
    logger,
  );
  await database.whenInitialised;
  const metrics = new Metrics('registry', '0.0.0', id);
  const bus = new BusConnection(
    {
      service: 'registry',
      instanceId: id,
      servers: infra.natsUrl,
      prefix: `${id}.`,
      eventsStream: `EVENTS_${id}`,
      eventsMaxAgeHours: 1,
    },
    logger,
  );
  await bus.ready();
  const raw: NatsConnection = await connect({ servers: infra.natsUrl });
  const events: { subject: string; text: string }[] = [];
  const codec = StringCodec();
  raw.subscribe(`${id}.events.v1.registry.>`, {
    callback: (_error, message) => events.push({ subject: message.subject, text: codec.decode(message.data) }),
  });
  await raw.flush();
  const parts = {
    info: { name: 'registry', version: '0.0.0', instanceId: id, startedAt: Date.now() },
    config: new AppConfig('registry', env),
    logger,
    metrics,
    readiness: new Readiness(metrics),
    bus,
    busClient: new BusClient(bus, metrics),
    events: new EventPublisher(bus, metrics),
    database,
  };
  @Module({ imports: [CoreModule.with(parts), RegistryHttpModule, CatalogModule, InstallationsModule, ...modules] })
  class TestModule {}
  const app = await NestFactory.create<NestFastifyApplication>(TestModule, new FastifyAdapter(), {
    logger: new PinoNestLogger(logger),
    abortOnError: false,
  });
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  const handlers = app.get(RegistryHttpHandlers);
  const sql = <T>(text: string, params?: unknown[]) => database.dataSource.query<T[]>(text, params);

  return {
    app,
    database,
    logs,
    events,
    parsedEvents: (match) => events.filter((e) => match(e.text)).map((e) => JSON.parse(e.text) as CapturedEvent),
    sql,
    organization: async (slug) =>
      (await sql<{ id: string }>('INSERT INTO organizations (slug, name) VALUES ($1, $1) RETURNING id', [slug]))[0].id,
    request: async (caller, method, url, body) => {
      const response = await handlers.request({
        method: method as 'GET',
        url,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? null : typeof body === 'string' ? body : JSON.stringify(body),
        caller,
      });
      return { status: response.status, body: response.body, json: <T>() => JSON.parse(response.body) as T };
    },
    waitForEvents: async (count, match = () => true) => {
      const seen = () => events.filter(match).length;
      for (let i = 0; i < 100 && seen() < count; i++) await new Promise((r) => setTimeout(r, 20));
      if (seen() < count) throw new Error(`expected ${count} events, saw ${seen()}`);
    },
    close: async () => {
      await app.close();
      const jsm = await raw.jetstreamManager();
      await jsm.streams.delete(`EVENTS_${id}`).catch(() => undefined);
      await raw.close();
      await bus.drain();
      await database.dataSource.query(`DROP SCHEMA IF EXISTS "${id}" CASCADE`);
      await database.close();
    },
  };
}

/** A caller as the gateway sends it. */
export const callerOf = (tenant: string, permissions: string[], actor = `user-${tenant}`): RegistryCallerMessage => ({
  actor,
  tenant,
  roles: [],
  permissions,
  credential: { type: 'session', id: `session-${actor}` },
});
