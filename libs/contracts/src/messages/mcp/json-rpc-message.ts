import * as z from 'zod';

/**
 * A JSON-RPC 2.0 message as it crosses the bus between gateway and orchestrator. Only the envelope is checked
 * here: the message is relayed, and its MCP meaning is the upstream's and the client's business.
 */
export const jsonRpcMessageSchema = z.looseObject({ jsonrpc: z.literal('2.0') });
export type JsonRpcMessage = z.infer<typeof jsonRpcMessageSchema>;

/** `mcp.v1.session-events.<sessionId>`: upstream messages that belong to no call, for the client's GET stream. */
export const MCP_SESSION_EVENTS_SUBJECT = 'mcp.v1.session-events';
