import { randomBytes } from 'node:crypto';

/** Connection URLs for tests: from the environment (`npm test` sets them), else the standard local services. */
export const testInfra = () => ({
  natsUrl: process.env['NATS_URL'] ?? 'nats://127.0.0.1:4222',
  databaseUrl: process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/portcullis',
  redisUrl: process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379',
});

/** A short lowercase id that makes subjects, streams, schemas and key prefixes of one test file its own. */
export const uniqueId = (prefix = 't'): string => `${prefix}${randomBytes(5).toString('hex')}`;
