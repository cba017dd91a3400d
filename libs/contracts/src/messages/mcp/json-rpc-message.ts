import * as z from 'zod';

/**
 * A JSON-RPC 2.0 message as it crosses the bus between gateway and orchestrator. Only the envelope is checked
 * here: the message is relayed, and its MCP meaning is the upstream's and the client's business.
 */
export const jsonRpcMessageSchema = z.looseObject({ jsonrpc: z.literal('2.0') });
export type JsonRpcMessage = z.infer<typeof jsonRpcMessageSchema>;

/** `mcp.v1.session-events.<sessionId>`: upstream messages that belong to no call, for the client's GET stream. */
export const MCP_SESSION_EVENTS_SUBJECT = 'mcp.v1.session-events';

/**
 * `mcp.v1.session-changed.<sessionId>`: a worker's signal that what an upstream session lists changed (the upstream
 * or the worker's tool pinning sent a list_changed, whichever call or stream carried it to the client) or that the
 * session ended. Gateways cache merged lists per client session and drop them on this signal.
 */
export const MCP_SESSION_CHANGED_SUBJECT = 'mcp.v1.session-changed';

/** The body of a session-changed signal: which list changed, or `ended`. */
export type McpSessionChange = 'tools' | 'prompts' | 'resources' | 'ended';

/** The list a list_changed notification is about, or undefined for any other message. */
export const listChangeOf = (method: unknown): McpSessionChange | undefined =>
  method === 'notifications/tools/list_changed'
    ? 'tools'
    : method === 'notifications/prompts/list_changed'
      ? 'prompts'
      : method === 'notifications/resources/list_changed'
        ? 'resources'
        : undefined;
