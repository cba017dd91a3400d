import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { SecretKeyRing } from './secret-key-ring';

const ALGORITHM = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const DEK_BYTES = 32;
const WRAPPED_DEK_BYTES = IV_BYTES + TAG_BYTES + DEK_BYTES;

/**
 * A secret at rest, envelope-encrypted: the value under a per-secret data key (AES-256-GCM, `iv` + `tag`), the data
 * key wrapped under the key ring's key `keyId` (`wrappedKey` = iv | tag | encrypted data key). Rotation only
 * re-wraps the data key.
 */
export interface SealedSecret {
  keyId: string;
  wrappedKey: Buffer;
  iv: Buffer;
  tag: Buffer;
  ciphertext: Buffer;
}

/** Decryption refused: unknown key, or the ciphertext, tag, wrapped key or context were altered. */
export class SecretDecryptionError extends Error {
  override readonly name = 'SecretDecryptionError';
}

const wrapContext = (keyId: string) => Buffer.from(`portcullis:secret-dek:v1:${keyId}`);

function gcmEncrypt(key: Buffer, plaintext: Buffer, aad: Buffer): { iv: Buffer; tag: Buffer; ciphertext: Buffer } {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES }).setAAD(aad);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { iv, tag: cipher.getAuthTag(), ciphertext };
}

function gcmDecrypt(key: Buffer, iv: Buffer, tag: Buffer, ciphertext: Buffer, aad: Buffer, what: string): Buffer {
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) {
    throw new SecretDecryptionError(`${what}: malformed iv or tag`);
  }
  try {
    const decipher = createDecipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES }).setAAD(aad).setAuthTag(tag);
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  } catch {
    throw new SecretDecryptionError(`${what}: authentication failed (tampered data or wrong key)`);
  }
}

function wrapDataKey(ring: SecretKeyRing, dek: Buffer): Pick<SealedSecret, 'keyId' | 'wrappedKey'> {
  const { id, key } = ring.active;
  const wrapped = gcmEncrypt(key, dek, wrapContext(id));
  return { keyId: id, wrappedKey: Buffer.concat([wrapped.iv, wrapped.tag, wrapped.ciphertext]) };
}

function unwrapDataKey(ring: SecretKeyRing, sealed: Pick<SealedSecret, 'keyId' | 'wrappedKey'>): Buffer {
  const kek = ring.byId.get(sealed.keyId);
  if (!kek) throw new SecretDecryptionError(`secret is encrypted under key "${sealed.keyId}", which is not configured`);
  if (sealed.wrappedKey.length !== WRAPPED_DEK_BYTES) throw new SecretDecryptionError('wrapped data key is malformed');
  const iv = sealed.wrappedKey.subarray(0, IV_BYTES);
  const tag = sealed.wrappedKey.subarray(IV_BYTES, IV_BYTES + TAG_BYTES);
  const body = sealed.wrappedKey.subarray(IV_BYTES + TAG_BYTES);
  return gcmDecrypt(kek.key, iv, tag, body, wrapContext(sealed.keyId), 'data key');
}

/**
 * Encrypts `value`; `context` (e.g. organisation, owner and name) is authenticated, so a ciphertext copied to
 * another row does not decrypt there.
 */
export function sealSecret(ring: SecretKeyRing, value: string, context: string): SealedSecret {
  const dek = randomBytes(DEK_BYTES);
  try {
    const data = gcmEncrypt(dek, Buffer.from(value, 'utf8'), Buffer.from(context));
    return { ...wrapDataKey(ring, dek), ...data };
  } finally {
    dek.fill(0);
  }
}

export function openSecret(ring: SecretKeyRing, sealed: SealedSecret, context: string): string {
  const dek = unwrapDataKey(ring, sealed);
  try {
    return gcmDecrypt(dek, sealed.iv, sealed.tag, sealed.ciphertext, Buffer.from(context), 'secret').toString('utf8');
  } finally {
    dek.fill(0);
  }
}

/** The same secret with its data key wrapped under the active key (the value itself is not touched). */
export function rewrapSecret(ring: SecretKeyRing, sealed: SealedSecret): SealedSecret {
  if (sealed.keyId === ring.active.id) return sealed;
  const dek = unwrapDataKey(ring, sealed);
  try {
    return { ...sealed, ...wrapDataKey(ring, dek) };
  } finally {
    dek.fill(0);
  }
}
