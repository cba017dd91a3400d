import { envelopeProblems } from './event-rows';

const valid = {
  id: '0190a5b2-1c3d-7e4f-8a9b-0c1d2e3f4a5b',
  type: 'events.v1.mcp.request',
  occurredAt: '2026-11-21T10:00:00.123Z',
  tenant: 'default',
  actor: { type: 'user', id: 'alice' },
  traceparent: null,
  data: { tool: 'x' },
};

describe(envelopeProblems.name, () => {
  it('should accept a valid envelope, of any event type and version', () => {
    expect(envelopeProblems(valid)).toEqual([]);
    expect(envelopeProblems({ ...valid, type: 'events.v2.brand-new.kind', data: null })).toEqual([]);
  });

  it.each([
    ['a non-object', 'x', '(root)'],
    ['a bad id', { ...valid, id: 'nope' }, 'id'],
    ['a type outside events.v<N>.', { ...valid, type: 'system.v1.x' }, 'type'],
    ['a timestamp with an offset', { ...valid, occurredAt: '2026-11-21T10:00:00+01:00' }, 'occurredAt'],
    ['a day that does not exist', { ...valid, occurredAt: '2026-02-30T10:00:00Z' }, 'occurredAt'],
    ['hour 24', { ...valid, occurredAt: '2026-02-03T24:00:00Z' }, 'occurredAt'],
    ['year 0', { ...valid, occurredAt: '0000-01-01T00:00:00Z' }, 'occurredAt'],
    ['an empty tenant', { ...valid, tenant: '' }, 'tenant'],
    ['an unknown actor type', { ...valid, actor: { type: 'robot', id: 'r' } }, 'actor.type'],
    ['a missing actor id', { ...valid, actor: { type: 'user' } }, 'actor.id'],
    ['a numeric traceparent', { ...valid, traceparent: 5 }, 'traceparent'],
    ['no data', (({ data: _, ...rest }) => rest)(valid), 'data'],
  ])('should refuse %s', (_, envelope, field) => {
    expect(envelopeProblems(envelope).join('; ')).toContain(`${field}:`);
  });
});
