import * as z from 'zod';
import { defineRequest } from '../../../contract/define-contract';
import { jsonRpcMessageSchema } from '../json-rpc-message';

/**
 * `mcp.v1.legacy-sse.post.<gatewayInstanceId>`: a message a client of the deprecated HTTP+SSE transport POSTed to a
 * gateway replica that does not hold its SSE stream, for the replica that does. `accepted: false` when that replica
 * holds no such stream any more (the client closed it); the replica's answers go over the stream, not this reply.
 */
export const mcpLegacySsePost = defineRequest({
  subject: 'mcp.v1.legacy-sse.post',
  routed: true,
  routeBy: 'instance',
  description: 'A message of a legacy HTTP+SSE client, for the gateway replica holding its SSE stream.',
  request: z.object({ stream: z.string().min(1).max(64), message: jsonRpcMessageSchema }).strict(),
  response: z.object({ accepted: z.boolean() }),
});
