import * as z from 'zod';
import { defineEvent } from '../../../contract/define-contract';

/** One per client MCP request through the gateway: who called what, how it went, how big it was. */
export const mcpRequestCompleted = defineEvent({
  subject: 'events.v1.mcp.request',
  description: 'A client MCP request through the gateway finished (answered, failed or refused).',
  data: z.object({
    gateway: z.string(),
    server: z.string().nullable(),
    method: z.string(),
    tool: z.string().nullable(),
    sessionId: z.string().nullable(),
    durationMs: z.number().nonnegative(),
    outcome: z.enum(['ok', 'error', 'refused', 'timeout', 'unavailable']),
    errorCode: z.number().int().nullable(),
    requestBytes: z.number().int().nonnegative(),
    responseBytes: z.number().int().nonnegative(),
  }),
});
