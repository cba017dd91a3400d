import { actorSchema } from '@portcullis/contracts';

/** A message that failed validation (or that Postgres refused), kept in `dead_letters`. */
export interface DeadLetterRow {
  subject: string;
  sequence: number;
  payload: string;
  error: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TYPE = /^events\.v[1-9][0-9]*\./;
const ISO_UTC = /^(\d{4})-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;
const ACTOR_TYPES: ReadonlySet<string> = new Set(actorSchema.shape.type.options);

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A UTC ISO timestamp that names a real instant (no 30 February, no hour 24, no year 0). */
function isUtcInstant(value: string): boolean {
  const match = ISO_UTC.exec(value);
  if (!match || Number(match[1]) < 1) return false;
  const date = new Date(value);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 19) === value.slice(0, 19);
}

/**
 * Checks the envelope as audit accepts it — any event type (an older audit must not dead-letter newer types) but
 * every envelope field — and returns the problems (empty: valid). Hand-written rather than zod: it runs for every
 * event on the ingestion path, and it only has to guarantee what the storing SQL relies on.
 */
export function envelopeProblems(envelope: unknown): string[] {
  if (!isRecord(envelope)) return ['(root): must be a JSON object'];
  const problems: string[] = [];
  const { id, type, occurredAt, tenant, actor, traceparent } = envelope;
  if (typeof id !== 'string' || !UUID.test(id)) problems.push('id: must be a UUID');
  if (typeof type !== 'string' || !TYPE.test(type)) problems.push('type: must start with events.v<N>.');
  if (typeof occurredAt !== 'string' || !isUtcInstant(occurredAt))
    problems.push('occurredAt: must be an ISO 8601 UTC timestamp (…Z)');
  if (typeof tenant !== 'string' || tenant.length === 0 || tenant.length > 200)
    problems.push('tenant: must be a string of 1 to 200 characters');
  if (!isRecord(actor)) problems.push('actor: must be an object');
  else {
    if (typeof actor['type'] !== 'string' || !ACTOR_TYPES.has(actor['type']))
      problems.push(`actor.type: must be one of ${[...ACTOR_TYPES].join(', ')}`);
    if (typeof actor['id'] !== 'string' || actor['id'].length === 0 || actor['id'].length > 200)
      problems.push('actor.id: must be a string of 1 to 200 characters');
  }
  if (traceparent !== null && typeof traceparent !== 'string') problems.push('traceparent: must be a string or null');
  if (!('data' in envelope)) problems.push('data: is required');
  return problems;
}
