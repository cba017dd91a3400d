import { z } from 'zod';

/** One key-encryption key: 32 random bytes under a short id that is stored beside everything it wraps. */
export interface SecretKey {
  id: string;
  key: Buffer;
}

/** The keys secrets may be encrypted under; the first is the active one, the others only decrypt. */
export interface SecretKeyRing {
  active: SecretKey;
  byId: ReadonlyMap<string, SecretKey>;
}

const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;

/**
 * Parses `id2:base64key,id1:base64key` (first = active). Every problem is reported, naming the entry but never
 * echoing key material.
 */
export function parseSecretKeyRing(spec: string): SecretKeyRing {
  const problems: string[] = [];
  const keys: SecretKey[] = [];
  spec
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
    .forEach((part, index) => {
      const colon = part.indexOf(':');
      const id = colon > 0 ? part.slice(0, colon) : '';
      if (!KEY_ID.test(id)) {
        problems.push(`entry ${index + 1}: key id must be 1-32 letters, digits, "-" or "_" followed by ":"`);
        return;
      }
      const encoded = part.slice(colon + 1);
      const key = Buffer.from(encoded, 'base64');
      if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(encoded) || key.length !== 32) {
        problems.push(`key "${id}": must be 32 bytes, base64-encoded (openssl rand -base64 32)`);
        return;
      }
      if (keys.some((k) => k.id === id)) {
        problems.push(`key "${id}": listed twice`);
        return;
      }
      keys.push({ id, key });
    });
  if (keys.length === 0 && problems.length === 0) problems.push('at least one key is required');
  if (problems.length > 0) throw new Error(problems.join('; '));
  return { active: keys[0], byId: new Map(keys.map((k) => [k.id, k])) };
}

/** zod refinement for the env schema: the value parses as a key ring. */
export const secretKeyRingSpec = z.string().superRefine((value, ctx) => {
  try {
    parseSecretKeyRing(value);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message });
  }
});
