import * as z from 'zod';
import { defineRequest } from '../../../contract/define-contract';
import { jsonRpcMessageSchema } from '../json-rpc-message';

/** A request the upstream sent to the client during a call (sampling, elicitation, roots), keyed by its upstream id. */
const inputRequestSchema = z.looseObject({ method: z.string().min(1), params: z.unknown().optional() });

/**
 * `mcp.v1.stateless.call.<workerId>`: one leg of a 2026-07-28 (stateless) request that may need the client's input
 * (`tools/call`, `prompts/get`, `resources/read`) on a pooled upstream session that worker owns. The first leg
 * carries the `message`; when the upstream asks the client something, the worker parks the call and answers
 * `input` with what it asked. A later leg (from any gateway replica) carries `resume` with the client's answers and
 * continues the same upstream call. While a leg runs, progress and logging of the call go to `relay`.
 */
export const mcpStatelessCall = defineRequest({
  subject: 'mcp.v1.stateless.call',
  routed: true,
  routeBy: 'instance',
  description: 'Run or resume a stateless (2026-07-28) MCP request that may need input from the client.',
  request: z
    .object({
      sessionId: z.string().min(1),
      message: jsonRpcMessageSchema.optional(),
      resume: z
        .object({
          callId: z.string().min(1).max(100),
          round: z.int().nonnegative(),
          /** The client's results (or errors) for the upstream's requests, by upstream request id. */
          responses: z.record(z.string(), z.looseObject({})),
          /** Give up instead: the upstream's open requests are refused and the call is cancelled. */
          cancel: z.string().max(500).optional(),
        })
        .strict()
        .optional(),
      relay: z.string().min(1).optional(),
      /** How long this leg may run before the worker cancels the call and answers with a timeout error. */
      timeoutMs: z.int().positive().max(3_600_000),
      /** How long a parked call waits for the client to come back with its answers. */
      inputTimeoutMs: z.int().positive().max(3_600_000),
    })
    .strict()
    .refine((r) => (r.message === undefined) !== (r.resume === undefined), 'exactly one of message and resume'),
  response: z.object({
    outcome: z.enum(['complete', 'input', 'gone']),
    /** `complete`: the upstream's final response, under the id the gateway sent. */
    response: jsonRpcMessageSchema.optional(),
    /** `input`: the parked call and what the upstream asked, by upstream request id. */
    callId: z.string().optional(),
    round: z.int().nonnegative().optional(),
    inputRequests: z.record(z.string(), inputRequestSchema).optional(),
    /** `gone`: the session or the parked call no longer exists on this worker (expired, answered, restarted). */
    reason: z.string().optional(),
  }),
});
