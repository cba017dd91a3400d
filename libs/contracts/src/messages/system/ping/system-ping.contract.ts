import * as z from 'zod';
import { defineRequest } from '../../../contract/define-contract';

/**
 * `system.v1.ping.<service>`: a round trip to one instance of a service. It answers with the trace id it saw,
 * which shows trace context crossing the bus, and echoes the payload, which the bus benchmark sizes.
 */
export const systemPing = defineRequest({
  subject: 'system.v1.ping',
  routed: true,
  description: 'Round trip to a service; answers with the trace id the handler saw.',
  request: z.object({ sentAt: z.iso.datetime(), payload: z.string().max(65_536).optional() }).strict(),
  response: z.object({
    service: z.string(),
    instanceId: z.string(),
    receivedAt: z.iso.datetime(),
    traceId: z.string().nullable(),
    tenant: z.string().nullable(),
    actor: z.string().nullable(),
    payload: z.string().optional(),
  }),
});
