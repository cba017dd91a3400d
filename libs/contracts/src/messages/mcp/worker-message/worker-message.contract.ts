import * as z from 'zod';
import { defineRequest } from '../../../contract/define-contract';
import { jsonRpcMessageSchema } from '../json-rpc-message';

/**
 * `mcp.v1.worker.<workerId>`: a client message for a session that worker owns — a request (answered with the
 * upstream's response), a notification, or the client's answer to a server-to-client request (both acknowledged
 * with `response: null`). While a request runs, the worker publishes what the upstream sends for it to `relay`.
 */
export const mcpWorkerMessage = defineRequest({
  subject: 'mcp.v1.worker',
  routed: true,
  routeBy: 'instance',
  description: 'A client JSON-RPC message for an upstream session owned by this worker.',
  request: z
    .object({
      sessionId: z.string().min(1),
      message: jsonRpcMessageSchema,
      relay: z.string().min(1).optional(),
      /** How long the upstream may take; the worker answers with a timeout error itself before the bus gives up. */
      timeoutMs: z.int().positive().max(3_600_000).optional(),
    })
    .strict(),
  response: z.object({
    response: jsonRpcMessageSchema.nullable(),
    /** The session no longer exists on this worker (closed, reaped, or its process restarted): initialise again. */
    sessionGone: z.boolean().optional(),
  }),
});
