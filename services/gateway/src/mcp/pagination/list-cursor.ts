import { createHmac, timingSafeEqual } from 'node:crypto';
import * as z from 'zod';
import { InvalidCursorError } from './invalid-cursor.error';

/** Where the next page of an aggregated list starts. */
export interface ListCursorPosition {
  /** Server id, not index: the gateway's server set may change between two pages. */
  readonly server: string;
  /** That server's own cursor; absent while on its first page. */
  readonly upstreamCursor?: string;
  /** Items of that upstream page already returned (the gateway may split an upstream page). */
  readonly offset: number;
}

export interface ListCursorOptions {
  /** HMAC keys, at least 32 bytes each. The first signs; all verify, so a key can be rotated without breaking lists. */
  readonly keys: readonly (string | Uint8Array)[];
  /**
   * What the cursor is valid for, e.g. `gatewayId + ':tools/list:' + callerId`. Signed but not sent, so a cursor
   * from one list, gateway or caller is refused by another.
   */
  readonly context: string;
  /** Cursors older than this are refused as expired; no limit when absent. */
  readonly maxAgeMs?: number;
  readonly now?: () => number;
}

const VERSION = 1;
/** Upstream cursors are opaque and sometimes large, but a client sending megabytes is not paginating. */
const MAX_CURSOR_LENGTH = 8192;
/** 128 bits of HMAC-SHA256 is ample against forgery and keeps cursors short. */
const MAC_BYTES = 16;
const MIN_KEY_BYTES = 32;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

const payloadSchema = z.object({
  v: z.number(),
  s: z.string(),
  c: z.string().optional(),
  o: z.int().nonnegative(),
  t: z.int().nonnegative(),
});

export function encodeListCursor(position: ListCursorPosition, options: ListCursorOptions): string {
  const [key] = checkedKeys(options.keys);
  const payload: z.infer<typeof payloadSchema> = {
    v: VERSION,
    s: position.server,
    ...(position.upstreamCursor === undefined ? {} : { c: position.upstreamCursor }),
    o: position.offset,
    t: Math.floor((options.now ?? Date.now)() / 1000),
  };
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
  return `${body}.${mac(key, options.context, body).toString('base64url')}`;
}

/** @throws InvalidCursorError for anything the gateway did not issue for this context, or too old. */
export function decodeListCursor(cursor: string, options: ListCursorOptions): ListCursorPosition {
  const keys = checkedKeys(options.keys);
  if (cursor.length > MAX_CURSOR_LENGTH) throw new InvalidCursorError('malformed');
  const parts = cursor.split('.');
  if (parts.length !== 2 || !parts.every((part) => BASE64URL.test(part))) throw new InvalidCursorError('malformed');
  const [body, signature] = parts;
  // Compared as text, not decoded bytes: base64url has spare bits, and every altered character must be refused.
  const given = Buffer.from(signature);
  const signed = keys.some((key) => {
    const expected = Buffer.from(mac(key, options.context, body).toString('base64url'));
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  if (!signed) throw new InvalidCursorError('bad-signature');

  const payload = parsePayload(body);
  if (payload.v !== VERSION) throw new InvalidCursorError('unsupported-version');
  const now = (options.now ?? Date.now)();
  if (options.maxAgeMs !== undefined && now - payload.t * 1000 > options.maxAgeMs) {
    throw new InvalidCursorError('expired');
  }
  return { server: payload.s, ...(payload.c === undefined ? {} : { upstreamCursor: payload.c }), offset: payload.o };
}

function parsePayload(body: string): z.infer<typeof payloadSchema> {
  try {
    return payloadSchema.parse(JSON.parse(Buffer.from(body, 'base64url').toString('utf8')));
  } catch {
    // Only reachable with a valid signature, i.e. a cursor from a gateway build with another payload shape.
    throw new InvalidCursorError('unsupported-version');
  }
}

function mac(key: string | Uint8Array, context: string, body: string): Buffer {
  return createHmac('sha256', key)
    .update(JSON.stringify([context, body]))
    .digest()
    .subarray(0, MAC_BYTES);
}

/** A short key is a configuration error, not a client error: fail loudly rather than sign weakly. */
function checkedKeys(keys: readonly (string | Uint8Array)[]): readonly (string | Uint8Array)[] {
  if (keys.length === 0) throw new Error('List cursors need at least one signing key');
  for (const key of keys) {
    const length = typeof key === 'string' ? Buffer.byteLength(key) : key.byteLength;
    if (length < MIN_KEY_BYTES) throw new Error(`List cursor keys must be at least ${MIN_KEY_BYTES} bytes`);
  }
  return keys;
}
