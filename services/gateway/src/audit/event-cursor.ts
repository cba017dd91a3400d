import { type AuditPosition, auditPositionSchema } from '@portcullis/contracts';

const VERSION = 1;

/** The opaque `cursor` of the list API: a versioned keyset position, base64url-encoded JSON. */
export function encodeEventCursor(position: AuditPosition): string {
  return Buffer.from(JSON.stringify({ v: VERSION, t: position.occurredAt, i: position.id }), 'utf8').toString(
    'base64url',
  );
}

/** The position a cursor holds, or undefined when it is not one this API issued. */
export function decodeEventCursor(cursor: string): AuditPosition | undefined {
  if (!/^[A-Za-z0-9_-]{1,400}$/.test(cursor)) return undefined;
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof decoded !== 'object' || decoded === null) return undefined;
  const { v, t, i } = decoded as Record<string, unknown>;
  if (v !== VERSION) return undefined;
  const position = auditPositionSchema.safeParse({ occurredAt: t, id: i });
  return position.success ? position.data : undefined;
}
