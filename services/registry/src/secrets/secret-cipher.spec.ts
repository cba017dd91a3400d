import { randomBytes } from 'node:crypto';
import { openSecret, rewrapSecret, SecretDecryptionError, sealSecret } from './secret-cipher';
import { parseSecretKeyRing } from './secret-key-ring';

const keySpec = (id: string) => `${id}:${randomBytes(32).toString('base64')}`;

describe('secret cipher', () => {
  const k1 = keySpec('k1');
  const k2 = keySpec('k2');
  const ringV1 = parseSecretKeyRing(k1);
  const ringV2 = parseSecretKeyRing(`${k2},${k1}`);
  const context = 'org-1/installation/inst-1/API_KEY';

  it('should encrypt under the active key and decrypt again', () => {
    const sealed = sealSecret(ringV1, 'sk-live-123', context);
    expect(sealed.keyId).toBe('k1');
    expect(sealed.iv).toHaveLength(12);
    expect(sealed.tag).toHaveLength(16);
    expect(sealed.ciphertext.toString('utf8')).not.toContain('sk-live');
    expect(openSecret(ringV1, sealed, context)).toBe('sk-live-123');
  });

  it('should use a fresh data key and iv every time', () => {
    const a = sealSecret(ringV1, 'same', context);
    const b = sealSecret(ringV1, 'same', context);
    expect(a.iv.equals(b.iv)).toBe(false);
    expect(a.wrappedKey.equals(b.wrappedKey)).toBe(false);
    expect(a.ciphertext.equals(b.ciphertext)).toBe(false);
  });

  it('should refuse a wrong tag, a flipped ciphertext bit, a damaged wrapped key or another context', () => {
    const sealed = sealSecret(ringV1, 'top secret', context);
    const tag = Buffer.from(sealed.tag);
    tag[0] ^= 1;
    expect(() => openSecret(ringV1, { ...sealed, tag }, context)).toThrow(SecretDecryptionError);
    const ciphertext = Buffer.from(sealed.ciphertext);
    ciphertext[ciphertext.length - 1] ^= 0x80;
    expect(() => openSecret(ringV1, { ...sealed, ciphertext }, context)).toThrow(/authentication failed/);
    const wrappedKey = Buffer.from(sealed.wrappedKey);
    wrappedKey[20] ^= 1;
    expect(() => openSecret(ringV1, { ...sealed, wrappedKey }, context)).toThrow(/data key: authentication failed/);
    expect(() => openSecret(ringV1, sealed, 'org-2/installation/inst-1/API_KEY')).toThrow(SecretDecryptionError);
    expect(() => openSecret(ringV1, { ...sealed, tag: sealed.tag.subarray(0, 8) }, context)).toThrow(/malformed/);
  });

  it('should refuse a secret whose key is not in the ring, or the right data under a wrong key', () => {
    const sealed = sealSecret(ringV2, 'v', context);
    expect(() => openSecret(ringV1, sealed, context)).toThrow(/key "k2", which is not configured/);
    const other = parseSecretKeyRing(keySpec('k2'));
    expect(() => openSecret(other, sealed, context)).toThrow(SecretDecryptionError);
  });

  it('should re-wrap an old secret under the new active key and leave the value readable', () => {
    const old = sealSecret(ringV1, 'rotate me', context);
    const rotated = rewrapSecret(ringV2, old);
    expect(rotated.keyId).toBe('k2');
    expect(rotated.ciphertext.equals(old.ciphertext)).toBe(true);
    expect(openSecret(ringV2, rotated, context)).toBe('rotate me');
    expect(openSecret(parseSecretKeyRing(k2), rotated, context)).toBe('rotate me');
    expect(rewrapSecret(ringV2, rotated)).toBe(rotated);
  });
});

describe('parseSecretKeyRing', () => {
  it('should take the first key as the active one', () => {
    const ring = parseSecretKeyRing(`${keySpec('new')}, ${keySpec('old')}`);
    expect(ring.active.id).toBe('new');
    expect([...ring.byId.keys()]).toEqual(['new', 'old']);
  });

  it('should name every bad entry without echoing key material', () => {
    const short = Buffer.from('short').toString('base64');
    let message = '';
    try {
      parseSecretKeyRing(`a:${short},nocolon,${keySpec('b')},${keySpec('b')}`);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('key "a": must be 32 bytes');
    expect(message).toContain('entry 2: key id');
    expect(message).toContain('key "b": listed twice');
    expect(message).not.toContain(short);
    expect(() => parseSecretKeyRing(' , ')).toThrow('at least one key is required');
  });
});
