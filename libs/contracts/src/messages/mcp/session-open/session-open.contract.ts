import * as z from 'zod';
import { defineRequest } from '../../../contract/define-contract';
import { jsonRpcMessageSchema } from '../json-rpc-message';

/**
 * `mcp.v1.session.open`: any orchestrator worker starts (or attaches) the upstream of a server for a new client
 * session and initialises it with the client's own `initialize` request; the worker then owns the session.
 */
export const mcpSessionOpen = defineRequest({
  subject: 'mcp.v1.session.open',
  description: "Open an upstream MCP session for a client session; answers with the upstream's initialize response.",
  request: z
    .object({
      gateway: z.string().min(1).max(100),
      server: z.string().min(1).max(100),
      initialize: jsonRpcMessageSchema,
    })
    .strict(),
  response: z.object({
    sessionId: z.string().min(1),
    worker: z.string().min(1),
    response: jsonRpcMessageSchema,
  }),
});
