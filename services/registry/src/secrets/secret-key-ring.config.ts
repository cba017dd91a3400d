import { createHash } from 'node:crypto';
import { parseSecretKeyRing, type SecretKeyRing } from './secret-key-ring';

/** Only for NODE_ENV development/test without REGISTRY_SECRET_KEYS (the env schema refuses production without). */
const DEVELOPMENT_KEY = createHash('sha256').update('portcullis development secret key: not for production').digest();

export const DEVELOPMENT_KEY_RING_SPEC = `dev:${DEVELOPMENT_KEY.toString('base64')}`;

/** The key ring the registry encrypts secrets with, from `REGISTRY_SECRET_KEYS` (or the development key). */
export function secretKeyRingFromEnv(env: { NODE_ENV: string; REGISTRY_SECRET_KEYS?: string }): SecretKeyRing {
  if (env.REGISTRY_SECRET_KEYS) return parseSecretKeyRing(env.REGISTRY_SECRET_KEYS);
  if (env.NODE_ENV === 'production') throw new Error('REGISTRY_SECRET_KEYS is required when NODE_ENV=production');
  return parseSecretKeyRing(DEVELOPMENT_KEY_RING_SPEC);
}
