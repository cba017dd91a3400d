import 'reflect-metadata';
import { hostname } from 'node:os';
import { type INestApplication, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { MicroserviceOptions, NestMicroservice } from '@nestjs/microservices';
import {
  AppConfig,
  type BaseEnv,
  ConfigError,
  type DatabaseEnv,
  type HttpEnv,
  loadEnv,
  type RedisEnv,
} from '@portcullis/config';
import { BusClient, BusConnection, BusErrorPassthroughFilter, BusServer, EventPublisher } from '@portcullis/messaging';
import { createLogger, Metrics, PinoNestLogger, Readiness, startTracing } from '@portcullis/observability';
import {
  CreateOutbox1732000000001,
  CreateServiceInstances1732000000000,
  Database,
  PostgresEventOutbox,
  RedisStore,
  serviceInstances,
} from '@portcullis/persistence';
import type { Logger } from 'pino';
import type { z } from 'zod';
import { CoreModule, type CoreParts } from './core.module';
import { registerHttpMetrics } from './http/http-metrics.hook';
import { TracingInterceptor } from './http/tracing.interceptor';
import { announceStart, announceStop } from './lifecycle-events';
import type { ServiceDefinition } from './service-definition';
import type { ServiceInfo } from './tokens';

/** How long a stopping replica spends relaying its outbox while the bus is still up. */
const OUTBOX_FLUSH_MS = 2_000;

type KitEnv = BaseEnv & HttpEnv & Partial<DatabaseEnv> & Partial<RedisEnv>;

export interface RunningService {
  app: INestApplication;
  parts: CoreParts;
  shutdown(reason: string): Promise<void>;
}

/**
 * Starts a service: configuration (failing fast), tracing, logs, metrics, bus, database and Redis, the Nest app
 * with its HTTP server, and graceful shutdown on SIGTERM/SIGINT. It never waits for NATS, Postgres or Redis:
 * the service comes up not-ready and becomes ready by itself when they are reachable.
 */
export async function bootstrapService<S extends z.ZodObject>(
  definition: ServiceDefinition<S>,
): Promise<RunningService> {
  const startedAt = Date.now();
  let env: KitEnv;
  try {
    env = loadEnv(definition.name, definition.env) as unknown as KitEnv;
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(78); // EX_CONFIG: a supervisor should not restart-loop on bad configuration
    }
    throw error;
  }
  const info: ServiceInfo = {
    name: definition.name,
    version: definition.version,
    // The id is a NATS subject token for instance-routed messages, so dots (FQDN host names) are replaced.
    instanceId: env.SERVICE_INSTANCE_ID ?? `${hostname()}-${process.pid}`.replace(/[^A-Za-z0-9_-]/g, '-'),
    startedAt,
  };
  const stopTracing = startTracing({
    service: info.name,
    version: info.version,
    instanceId: info.instanceId,
    otlpEndpoint: env.OTEL_EXPORTER_OTLP_ENDPOINT,
  });
  const logger = createLogger({ service: info.name, instanceId: info.instanceId, level: env.LOG_LEVEL });
  process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled promise rejection'));

  try {
    return await startApplication(definition, env, info, logger, stopTracing);
  } catch (error) {
    logger.fatal({ err: error }, `${info.name} failed to start`);
    process.exit(1);
  }
}

async function startApplication(
  definition: ServiceDefinition,
  env: KitEnv,
  info: ServiceInfo,
  logger: Logger,
  stopTracing: () => Promise<void>,
): Promise<RunningService> {
  const startedAt = info.startedAt;
  const parts = buildParts(definition, env, info, logger);
  @Module({ imports: [CoreModule.with(parts), definition.module] })
  class ServiceModule {}

  const adapter = new FastifyAdapter({ bodyLimit: definition.bodyLimit ?? 1_048_576, forceCloseConnections: 'idle' });
  const app = await NestFactory.create<NestFastifyApplication>(ServiceModule, adapter, {
    logger: new PinoNestLogger(logger.child({ component: 'nest' })),
    abortOnError: false,
    bodyParser: !definition.configureHttp,
  });
  registerHttpMetrics(app.getHttpAdapter().getInstance(), parts.metrics);
  definition.configureHttp?.(app.getHttpAdapter().getInstance());
  app.useGlobalInterceptors(new TracingInterceptor());
  // Nest's connectMicroservice() registers the listeners at once, before a global filter could be added; so defer,
  // add the filter, then do exactly what the non-deferred path does (the app runs the lifecycle hooks itself).
  const microservice = app.connectMicroservice<MicroserviceOptions>(
    { strategy: new BusServer(parts.bus, parts.metrics, logger.child({ component: 'bus' })) },
    { deferInitialization: true },
  ) as NestMicroservice;
  microservice.useGlobalFilters(new BusErrorPassthroughFilter());
  microservice.registerListeners();
  microservice.setIsInitialized(true);
  microservice.setIsInitHookCalled(true);
  await app.startAllMicroservices();
  await app.listen(env.HTTP_PORT, env.HTTP_HOST);
  const startupMs = Date.now() - startedAt;
  logger.info({ port: env.HTTP_PORT, startupMs }, `${info.name} listening`);
  announceStart(info, parts.bus, parts.events, logger, startupMs);
  if (parts.database) {
    const db = parts.database;
    void db.whenInitialised
      .then(() => serviceInstances.started(db, info.instanceId, info.version))
      .catch(() => undefined);
  }

  let stopping: Promise<void> | undefined;
  const shutdown = (reason: string): Promise<void> =>
    (stopping ??= gracefulShutdown(app, parts, reason, env.SHUTDOWN_TIMEOUT_MS, stopTracing));
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => void shutdown(signal).then(() => process.exit(0)));
  }
  return { app, parts, shutdown };
}

function buildParts(definition: ServiceDefinition, env: KitEnv, info: ServiceInfo, logger: Logger): CoreParts {
  const metrics = new Metrics(info.name, info.version, info.instanceId);
  const readiness = new Readiness(metrics);
  const bus = new BusConnection(
    {
      service: info.name,
      instanceId: info.instanceId,
      servers: env.NATS_URL,
      prefix: env.BUS_PREFIX,
      eventsStream: env.EVENTS_STREAM,
      eventsMaxAgeHours: env.EVENTS_MAX_AGE_HOURS,
    },
    logger.child({ component: 'bus' }),
  );
  readiness.register({ name: 'nats', check: () => bus.isReady() });
  let database: Database | undefined;
  if (definition.database) {
    const db = new Database(
      {
        url: env.DATABASE_URL!,
        schema: env.DATABASE_SCHEMA!,
        poolMax: env.DATABASE_POOL_MAX ?? 10,
        service: info.name,
        migrations: [CreateServiceInstances1732000000000, CreateOutbox1732000000001, ...definition.database.migrations],
        entities: definition.database.entities,
      },
      logger.child({ component: 'postgres' }),
    );
    readiness.register({
      name: 'postgres',
      check: () => db.isReady(),
      required: definition.database.requiredForReadiness !== false,
    });
    database = db;
  }
  const parts: CoreParts = {
    info,
    config: new AppConfig(info.name, env),
    logger,
    metrics,
    readiness,
    bus,
    busClient: new BusClient(bus, metrics),
    events: new EventPublisher(
      bus,
      metrics,
      database && {
        outbox: new PostgresEventOutbox(database),
        log: logger.child({ component: 'outbox' }),
        ackTimeoutMs: env.EVENTS_ACK_TIMEOUT_MS,
      },
    ),
    database,
  };
  if (definition.redis) {
    const redis = new RedisStore(
      env.REDIS_URL!,
      env.REDIS_KEY_PREFIX!,
      info.name,
      logger.child({ component: 'redis' }),
    );
    readiness.register({ name: 'redis', check: () => redis.isReady() });
    parts.redis = redis;
  }
  return parts;
}

/**
 * Order matters: report not-ready first, announce the stop while the bus is up, close HTTP and the bus server
 * (both wait for in-flight work), settle the events (acknowledged or in the outbox), then drain NATS and close the
 * pools. A hard deadline bounds all of it.
 */
async function gracefulShutdown(
  app: INestApplication,
  parts: CoreParts,
  reason: string,
  timeoutMs: number,
  stopTracing: () => Promise<void>,
): Promise<void> {
  const { logger, readiness, info } = parts;
  logger.info({ reason }, 'shutting down');
  setTimeout(() => {
    logger.error({ timeoutMs }, 'graceful shutdown timed out; exiting');
    process.exit(1);
  }, timeoutMs).unref();
  readiness.markShuttingDown();
  await announceStop(info, parts.events, reason).catch((error: unknown) =>
    logger.warn({ err: error }, 'service-stopped event not published'),
  );
  await app.close();
  // Nothing accepted is lost: every event under way ends acknowledged or in the outbox, and what the outbox holds is
  // relayed now if the bus allows (else by any replica later).
  await parts.events.close(Math.min(OUTBOX_FLUSH_MS, timeoutMs / 4));
  if (parts.database) await serviceInstances.stopped(parts.database, info.instanceId).catch(() => undefined);
  await parts.bus.drain();
  await parts.database?.close().catch(() => undefined);
  await parts.redis?.close();
  await stopTracing();
  logger.info('stopped');
}
