import { createHmac } from 'node:crypto';
import { InvalidCursorError, type InvalidCursorReason } from './invalid-cursor.error';
import { type ListCursorOptions, decodeListCursor, encodeListCursor } from './list-cursor';

const KEY = 'k'.repeat(32);
const OLD_KEY = 'o'.repeat(32);
const NOW = 1_800_000_000_000;
const options: ListCursorOptions = { keys: [KEY], context: 'gw-default:tools/list:alice', now: () => NOW };

function reasonOf(run: () => unknown): InvalidCursorReason | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    if (error instanceof InvalidCursorError) return error.reason;
    throw error;
  }
}

describe(encodeListCursor.name, () => {
  it('should round-trip a position with an upstream cursor', () => {
    const position = { server: 'filesystem', upstreamCursor: 'eyJwYWdlIjoyfQ==', offset: 25 };
    expect(decodeListCursor(encodeListCursor(position, options), options)).toEqual(position);
  });

  it('should round-trip a position on an upstream first page', () => {
    const position = { server: 'memory', offset: 0 };
    expect(decodeListCursor(encodeListCursor(position, options), options)).toEqual(position);
  });

  it('should produce base64url text only, safe to put anywhere in JSON or a URL', () => {
    const cursor = encodeListCursor({ server: 'ü/+=', upstreamCursor: '\u0000"\n', offset: 3 }, options);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
  });

  it('should refuse a signing key shorter than 32 bytes', () => {
    expect(() => encodeListCursor({ server: 's', offset: 0 }, { ...options, keys: ['short'] })).toThrow(/32 bytes/);
    expect(() => encodeListCursor({ server: 's', offset: 0 }, { ...options, keys: [] })).toThrow(/key/);
  });
});

describe(decodeListCursor.name, () => {
  const cursor = encodeListCursor({ server: 'filesystem', upstreamCursor: 'abc', offset: 7 }, options);

  it('should refuse every single-character alteration', () => {
    const alphabet = 'ABCabc019-_';
    for (let i = 0; i < cursor.length; i++) {
      if (cursor[i] === '.') continue;
      const replacement = alphabet.split('').find((c) => c !== cursor[i]) ?? 'A';
      const altered = cursor.slice(0, i) + replacement + cursor.slice(i + 1);
      expect(reasonOf(() => decodeListCursor(altered, options))).toBe('bad-signature');
    }
  });

  it('should refuse a cursor forged with a payload of the client’s choosing', () => {
    const [, signature] = cursor.split('.');
    const forged = Buffer.from(JSON.stringify({ v: 1, s: 'admin-only', o: 0, t: NOW / 1000 })).toString('base64url');
    expect(reasonOf(() => decodeListCursor(`${forged}.${signature}`, options))).toBe('bad-signature');
  });

  it('should refuse a cursor issued for another list, gateway or caller', () => {
    for (const context of ['gw-default:prompts/list:alice', 'gw-other:tools/list:alice', 'gw-default:tools/list:bob']) {
      expect(reasonOf(() => decodeListCursor(cursor, { ...options, context }))).toBe('bad-signature');
    }
  });

  it.each([
    ['empty', ''],
    ['without signature', 'not-a-cursor'],
    ['with three parts', 'a.b.c'],
    ['outside base64url', 'ab$.cd'],
    ['with empty parts', '.'],
    ['of 9000 characters', `${'A'.repeat(9000)}.AA`],
  ])('should refuse a malformed cursor (%s)', (_label, bad) => {
    expect(reasonOf(() => decodeListCursor(bad, options))).toBe('malformed');
  });

  it('should accept cursors signed with a previous key during rotation', () => {
    const old = encodeListCursor({ server: 's', offset: 1 }, { ...options, keys: [OLD_KEY] });
    expect(decodeListCursor(old, { ...options, keys: [KEY, OLD_KEY] })).toEqual({ server: 's', offset: 1 });
    expect(reasonOf(() => decodeListCursor(old, options))).toBe('bad-signature');
  });

  it('should refuse a cursor older than the maximum age, and accept it until then', () => {
    const aged = (ms: number) => ({ ...options, maxAgeMs: 60_000, now: () => NOW + ms });
    expect(decodeListCursor(cursor, aged(60_000)).offset).toBe(7);
    expect(reasonOf(() => decodeListCursor(cursor, aged(61_000)))).toBe('expired');
  });

  it('should refuse a correctly signed payload of another version', () => {
    const body = Buffer.from(JSON.stringify({ v: 2, s: 's', o: 0, t: 0 })).toString('base64url');
    const mac = createHmac('sha256', KEY)
      .update(JSON.stringify([options.context, body]))
      .digest()
      .subarray(0, 16)
      .toString('base64url');
    expect(reasonOf(() => decodeListCursor(`${body}.${mac}`, options))).toBe('unsupported-version');
  });

  it('should carry the JSON-RPC Invalid Params code for the caller to send', () => {
    const error = new InvalidCursorError('bad-signature');
    expect(error.jsonRpcCode).toBe(-32602);
    expect(error.message).toBe('Invalid cursor');
    expect(new InvalidCursorError('expired').message).toMatch(/restart/);
  });
});
