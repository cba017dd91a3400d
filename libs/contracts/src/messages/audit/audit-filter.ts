import * as z from 'zod';

const TRACE_ID = /^[0-9a-f]{32}$/;
const EVENT_TYPE = /^events\.v[1-9][0-9]*(\.[a-z][a-z0-9-]*)+$/;

/**
 * What an analyst narrows the audit trail by. Every field is an exact match except the time range, which is
 * half-open: `from` ≤ occurredAt < `to`. The tenant is never part of it: audit takes it from the caller scope
 * that rides in the message headers, so no request can reach another tenant's events.
 */
export const auditFilterSchema = z
  .object({
    from: z.iso.datetime({ offset: true }).optional(),
    to: z.iso.datetime({ offset: true }).optional(),
    type: z.string().regex(EVENT_TYPE, 'must be an event type such as events.v1.mcp.request').optional(),
    actor: z.string().min(1).max(200).optional(),
    gateway: z.string().min(1).max(200).optional(),
    server: z.string().min(1).max(200).optional(),
    tool: z.string().min(1).max(200).optional(),
    outcome: z.string().min(1).max(50).optional(),
    traceId: z.string().regex(TRACE_ID, 'must be 32 lowercase hex digits').optional(),
  })
  .strict()
  .refine((f) => !f.from || !f.to || Date.parse(f.from) < Date.parse(f.to), {
    message: 'must be later than from',
    path: ['to'],
  });
export type AuditFilter = z.infer<typeof auditFilterSchema>;

/** One stored event, in the envelope it travelled in (the same shape as on the stream and in exports). */
export const auditEventSchema = z.object({
  id: z.string(),
  type: z.string(),
  occurredAt: z.string(),
  tenant: z.string(),
  actor: z.object({ type: z.string(), id: z.string() }),
  traceparent: z.string().nullable(),
  data: z.unknown(),
});
export type AuditEvent = z.infer<typeof auditEventSchema>;

/** A position in the newest-first (or oldest-first) order of events: keyset on (occurred_at, id). */
export const auditPositionSchema = z
  .object({
    /** The stored timestamp with microseconds, UTC (`2025-01-31T12:00:00.123456Z`). */
    occurredAt: z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/, 'must be a UTC timestamp with µs'),
    id: z.uuid(),
  })
  .strict();
export type AuditPosition = z.infer<typeof auditPositionSchema>;
