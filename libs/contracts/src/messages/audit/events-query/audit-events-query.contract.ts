import * as z from 'zod';
import { defineRequest } from '../../../contract/define-contract';
import { auditEventSchema, auditFilterSchema, auditPositionSchema } from '../audit-filter';

/** Most events one reply carries; audit also stops early when a page would grow past the bus's message size. */
export const AUDIT_PAGE_MAX = 1_000;

/**
 * `audit.v1.events.query`: one page of the caller's tenant's events matching a filter, newest first (or oldest
 * first), after a position. `next` is the position to ask from for the following page; null at the end.
 */
export const auditEventsQuery = defineRequest({
  subject: 'audit.v1.events.query',
  description: "A page of the caller's tenant's audit events matching a filter, keyset-paginated.",
  request: z
    .object({
      filter: auditFilterSchema,
      after: auditPositionSchema.optional(),
      order: z.enum(['desc', 'asc']).default('desc'),
      limit: z.number().int().min(1).max(AUDIT_PAGE_MAX),
    })
    .strict(),
  response: z.object({
    events: z.array(auditEventSchema),
    next: auditPositionSchema.nullable(),
  }),
});
