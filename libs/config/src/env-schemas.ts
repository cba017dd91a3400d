import { z } from 'zod';
import { envPort, httpUrl, natsUrls, postgresUrl, redisUrl } from './env-fields';

/** Variables every service reads. Descriptions feed the README's configuration table. */
export const baseEnvShape = {
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development').describe('Runtime mode.'),
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
    .default('info')
    .describe('pino log level; logs are JSON lines on stdout.'),
  HTTP_HOST: z.string().min(1).default('0.0.0.0').describe('Interface the HTTP server binds to.'),
  NATS_URL: natsUrls.default('nats://127.0.0.1:4222').describe('NATS server(s), comma-separated.'),
  BUS_PREFIX: z
    .string()
    .regex(/^([a-z0-9-]+\.)?$/, 'must be empty or a lowercase token followed by a dot, e.g. "t42."')
    .default('')
    .describe('Prefix put before every NATS subject; isolates test runs or environments sharing one NATS.'),
  EVENTS_STREAM: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/)
    .default('EVENTS')
    .describe('Name of the JetStream stream holding events.v1.>.'),
  EVENTS_MAX_AGE_HOURS: z.coerce
    .number()
    .positive()
    .default(24 * 7)
    .describe('How long the stream keeps events (audit stores them for good).'),
  EVENTS_ACK_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(50)
    .max(60_000)
    .default(1_000)
    .describe("How long an event waits for the stream's acknowledgement before it goes to the service's outbox."),
  OTEL_EXPORTER_OTLP_ENDPOINT: httpUrl
    .optional()
    .describe('OTLP/HTTP collector base URL; tracing export is off when unset.'),
  SHUTDOWN_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .positive()
    .default(10_000)
    .describe('Grace period for in-flight work on SIGTERM before the process exits anyway.'),
  SERVICE_INSTANCE_ID: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/, 'must be letters, digits, "-" or "_" (it is a NATS subject token)')
    .optional()
    .describe('Stable id of this replica (defaults to host name + pid).'),
};

/** A prefixed bus with the default stream would share (and fight over) the stream of the unprefixed platform. */
export const busIsolationRefinement = {
  check: (env: { BUS_PREFIX?: string; EVENTS_STREAM?: string }) => !env.BUS_PREFIX || env.EVENTS_STREAM !== 'EVENTS',
  issue: { path: ['EVENTS_STREAM'], message: 'must be set to a stream of its own when BUS_PREFIX is set' },
};

export const databaseEnvShape = {
  DATABASE_URL: postgresUrl
    .default('postgres://postgres@127.0.0.1:5432/portcullis')
    .describe('Postgres connection URL.'),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10).describe('Postgres pool size per replica.'),
};

export const redisEnvShape = {
  REDIS_URL: redisUrl.default('redis://127.0.0.1:6379').describe('Redis connection URL.'),
  REDIS_KEY_PREFIX: z.string().default('portcullis:').describe('Prefix of every Redis key (and BullMQ queue).'),
};

/** Where the GitOps seed lives (gateways and servers, until the registry holds them). */
export const portcullisFileEnvShape = {
  PORTCULLIS_FILE: z
    .string()
    .min(1)
    .default('portcullis.yaml')
    .describe('GitOps seed declaring gateways and servers; a missing file means none are declared.'),
};

/** A service's HTTP port with its own default. */
export const httpPortShape = (port: number) => ({
  HTTP_PORT: envPort.default(port).describe('HTTP port for the API, /health, /ready and /metrics.'),
});

/** The Postgres schema a data-owning service keeps its tables in. */
export const databaseSchemaShape = (schema: string) => ({
  DATABASE_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a lowercase Postgres identifier')
    .default(schema)
    .describe('Postgres schema owned by this service.'),
});

export type BaseEnv = z.infer<z.ZodObject<typeof baseEnvShape>>;
export type DatabaseEnv = z.infer<z.ZodObject<typeof databaseEnvShape>> & { DATABASE_SCHEMA: string };
export type RedisEnv = z.infer<z.ZodObject<typeof redisEnvShape>>;
export type HttpEnv = { HTTP_PORT: number };
