import { actorSchema } from '@portcullis/contracts';
import { z } from 'zod';

/**
 * The envelope as audit accepts it: any event type (new types must not be dead-lettered by an older audit),
 * but every envelope field checked.
 */
export const storedEnvelopeSchema = z.object({
  id: z.uuid(),
  type: z.string().regex(/^events\.v[1-9][0-9]*\./),
  occurredAt: z.iso.datetime(),
  tenant: z.string().min(1),
  actor: actorSchema,
  traceparent: z.string().nullable(),
  data: z.unknown(),
});

export interface EventRow {
  values: unknown[];
}

export interface DeadLetterRow {
  subject: string;
  sequence: number;
  payload: string;
  error: string;
}
