import { randomBytes } from 'node:crypto';
import { ConfigError, loadEnv } from '@portcullis/config';
import { registryEnv } from '../env';
import { secretKeyRingFromEnv } from './secret-key-ring.config';

describe(secretKeyRingFromEnv.name, () => {
  const key = `prod1:${randomBytes(32).toString('base64')}`;

  it('should use REGISTRY_SECRET_KEYS when set', () => {
    const env = loadEnv('registry', registryEnv, { NODE_ENV: 'production', REGISTRY_SECRET_KEYS: key });
    expect(secretKeyRingFromEnv(env).active.id).toBe('prod1');
  });

  it('should fall back to the development key only outside production', () => {
    expect(secretKeyRingFromEnv(loadEnv('registry', registryEnv, { NODE_ENV: 'development' })).active.id).toBe('dev');
    expect(secretKeyRingFromEnv(loadEnv('registry', registryEnv, { NODE_ENV: 'test' })).active.id).toBe('dev');
    expect(() => loadEnv('registry', registryEnv, { NODE_ENV: 'production' })).toThrow(
      /REGISTRY_SECRET_KEYS: is required when NODE_ENV=production/,
    );
  });

  it('should refuse a malformed key ring at start-up, naming the variable but not the key', () => {
    let error: unknown;
    try {
      loadEnv('registry', registryEnv, { REGISTRY_SECRET_KEYS: 'k1:c2hvcnQ=' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain('REGISTRY_SECRET_KEYS: key "k1": must be 32 bytes');
    expect((error as Error).message).not.toContain('c2hvcnQ=');
  });
});
