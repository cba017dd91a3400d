import * as z from 'zod';
import { defineRequest } from '../../../contract/define-contract';
import { auditFilterSchema } from '../audit-filter';
import { auditPrecisionSchema } from '../events-aggregate/audit-events-aggregate.contract';

/** `audit.v1.events.top-callers`: the callers with the most events in a range (whole hours), busiest first. */
export const auditTopCallers = defineRequest({
  subject: 'audit.v1.events.top-callers',
  description: "The busiest callers of the caller's tenant in a time range, with errors and p95 latency.",
  request: z
    .object({
      filter: auditFilterSchema,
      limit: z.number().int().min(1).max(100).default(10),
    })
    .strict(),
  response: z.object({
    from: z.string(),
    to: z.string(),
    precision: auditPrecisionSchema,
    callers: z.array(
      z.object({
        caller: z.string(),
        calls: z.number().int().nonnegative(),
        errors: z.number().int().nonnegative(),
        p95: z.number().nullable(),
      }),
    ),
  }),
});
