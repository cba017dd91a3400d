import type { AuditFilter, EventEnvelope } from '@portcullis/contracts';

/** The envelope fields the tail matches on, computed as audit's generated columns are. */
export function matchesTail(
  envelope: EventEnvelope,
  tenant: string,
  filter: Omit<AuditFilter, 'from' | 'to'>,
): boolean {
  if (envelope.tenant !== tenant) return false;
  if (filter.type !== undefined && envelope.type !== filter.type) return false;
  if (filter.actor !== undefined && envelope.actor?.id !== filter.actor) return false;
  if (filter.traceId !== undefined && envelope.traceparent?.slice(3, 35) !== filter.traceId) return false;
  const data =
    typeof envelope.data === 'object' && envelope.data !== null ? (envelope.data as Record<string, unknown>) : {};
  for (const key of ['gateway', 'server', 'tool', 'outcome'] as const) {
    if (filter[key] !== undefined && data[key] !== filter[key]) return false;
  }
  return true;
}
