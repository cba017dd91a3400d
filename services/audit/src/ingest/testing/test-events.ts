import { v7 as uuidv7 } from 'uuid';

/** A valid event envelope as services publish it (the text goes on the stream as is). */
export function testEnvelope(n: number, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: uuidv7(),
    type: 'events.v1.mcp.request',
    occurredAt: new Date().toISOString(),
    tenant: n % 3 ? 'default' : 'acme',
    actor: { type: 'user', id: `user-${n % 7}` },
    traceparent: `00-${n.toString(16).padStart(32, '0')}-${'b'.repeat(16)}-01`,
    data: { gateway: 'default', server: 'everything', tool: `tool-${n % 5}`, outcome: 'ok', durationMs: n % 100, n },
    ...overrides,
  };
}
