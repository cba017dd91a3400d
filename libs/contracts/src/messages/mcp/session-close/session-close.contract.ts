import * as z from 'zod';
import { defineRequest } from '../../../contract/define-contract';

/** `mcp.v1.session.close.<workerId>`: the client ended its session (HTTP DELETE); the upstream is released. */
export const mcpSessionClose = defineRequest({
  subject: 'mcp.v1.session.close',
  routed: true,
  routeBy: 'instance',
  description: 'Close an upstream MCP session owned by this worker.',
  request: z.object({ sessionId: z.string().min(1) }).strict(),
  response: z.object({ closed: z.boolean() }),
});
