import { z } from 'zod';
import { ConfigError } from './config.error';
import { baseEnvShape, databaseEnvShape, databaseSchemaShape, httpPortShape } from './env-schemas';
import { describeEnv } from './env-table';
import { loadEnv } from './load-env';

const schema = z.object({
  ...baseEnvShape,
  ...httpPortShape(3001),
  ...databaseEnvShape,
  ...databaseSchemaShape('registry'),
  ADMIN_TOKEN: z.string().min(32).describe('Admin token.'),
});

describe(loadEnv.name, () => {
  it('should apply defaults for everything optional', () => {
    const env = loadEnv('registry', schema, { ADMIN_TOKEN: 'x'.repeat(32) });
    expect(env).toMatchObject({
      HTTP_PORT: 3001,
      NATS_URL: 'nats://127.0.0.1:4222',
      DATABASE_SCHEMA: 'registry',
      BUS_PREFIX: '',
      LOG_LEVEL: 'info',
    });
  });

  it('should name every bad or missing key at once', () => {
    let error: unknown;
    try {
      loadEnv('registry', schema, { HTTP_PORT: 'eighty', NATS_URL: 'http://x', DATABASE_URL: 'mysql://db' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toContain('Invalid configuration for registry');
    for (const key of ['HTTP_PORT', 'NATS_URL', 'DATABASE_URL', 'ADMIN_TOKEN']) expect(message).toContain(`- ${key}:`);
    expect(message).toContain('ADMIN_TOKEN: is required but not set');
  });

  it('should refuse a bus prefix that would share the default events stream', () => {
    const env = { ADMIN_TOKEN: 'x'.repeat(32), BUS_PREFIX: 'staging.' };
    expect(() => loadEnv('registry', schema, env)).toThrow(/EVENTS_STREAM: must be set to a stream of its own/);
    expect(loadEnv('registry', schema, { ...env, EVENTS_STREAM: 'EVENTS_STAGING' }).EVENTS_STREAM).toBe(
      'EVENTS_STAGING',
    );
  });

  it('should treat empty strings as unset', () => {
    expect(loadEnv('registry', schema, { ADMIN_TOKEN: 'y'.repeat(40), HTTP_PORT: '' }).HTTP_PORT).toBe(3001);
  });

  it('should describe variables with defaults for the docs', () => {
    const docs = describeEnv(schema);
    expect(docs.find((d) => d.key === 'HTTP_PORT')).toMatchObject({ required: false, defaultValue: '3001' });
    expect(docs.find((d) => d.key === 'ADMIN_TOKEN')).toMatchObject({ required: true, description: 'Admin token.' });
  });
});
