import { decodeEventCursor, encodeEventCursor } from './event-cursor';

describe('event cursor', () => {
  const position = { occurredAt: '2025-01-31T12:00:00.123456Z', id: '01945f6e-1c2b-7a3d-8e4f-5a6b7c8d9e0f' };

  it('should round-trip a position through an opaque url-safe token', () => {
    const cursor = encodeEventCursor(position);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(cursor).not.toContain(position.id);
    expect(decodeEventCursor(cursor)).toEqual(position);
  });

  it('should refuse anything it did not issue', () => {
    const forge = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    for (const bad of [
      '',
      'not base64 !',
      Buffer.from('not json').toString('base64url'),
      forge(null),
      forge({ v: 2, t: position.occurredAt, i: position.id }),
      forge({ v: 1, t: '2025-01-31', i: position.id }),
      forge({ v: 1, t: position.occurredAt, i: "x' OR 1=1 --" }),
      'a'.repeat(401),
    ]) {
      expect(decodeEventCursor(bad)).toBeUndefined();
    }
  });
});
