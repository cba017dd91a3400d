import { formatEventId, newStreamId, parseEventId } from './sse-event-id';

describe('parseEventId', () => {
  it('should read back the stream and position of an id it formatted', () => {
    const stream = newStreamId();
    expect(parseEventId(formatEventId(stream, 0))).toEqual({ stream, seq: 0 });
    expect(parseEventId(formatEventId(stream, 12_345))).toEqual({ stream, seq: 12_345 });
  });

  it('should give every stream its own id, so ids are unique across streams', () => {
    const ids = new Set(Array.from({ length: 1_000 }, () => newStreamId()));
    expect(ids.size).toBe(1_000);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });

  it.each([
    '',
    '7',
    'abc',
    's1.short.1',
    `s2.${'a'.repeat(22)}.1`,
    `s1.${'a'.repeat(22)}.`,
    `s1.${'a'.repeat(22)}.-1`,
    `s1.${'a'.repeat(22)}.1.2`,
    `s1.${'a'.repeat(21)}!.1`,
    `s1.${'a'.repeat(22)}.${'9'.repeat(16)}`,
  ])('should refuse %j, which the gateway never issues', (value) => {
    expect(parseEventId(value)).toBeUndefined();
  });
});
