import * as z from 'zod';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const TRACEPARENT = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

/** Who did it: a user, a service or an API token; `system` for the platform itself. */
export const actorSchema = z.object({
  type: z.enum(['user', 'service', 'token', 'system']),
  id: z.string().min(1).max(200),
});
export type Actor = z.infer<typeof actorSchema>;

/** Envelope of every event: the same shape on the stream, in the audit table and in exports. */
export function eventEnvelopeSchema<Data extends z.ZodType>(type: string, data: Data) {
  return z.object({
    id: z.string().regex(UUID_V7, 'must be a UUID v7'),
    type: z.literal(type),
    occurredAt: z.iso.datetime({ offset: false }),
    tenant: z.string().min(1).max(100),
    actor: actorSchema,
    traceparent: z.string().regex(TRACEPARENT).nullable(),
    data,
  });
}

export type EventEnvelope<Data = unknown> = {
  id: string;
  type: string;
  occurredAt: string;
  tenant: string;
  actor: Actor;
  traceparent: string | null;
  data: Data;
};

/** The tenant that platform-level events (service lifecycle) belong to. */
export const PLATFORM_TENANT = 'platform';
