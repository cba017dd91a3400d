import * as z from 'zod';

export const JSONRPC_VERSION = '2.0';

/** MCP narrows JSON-RPC: an id is a string or an integer, never null or fractional. */
export const requestIdSchema = z.union([z.string(), z.int()], { error: 'must be a string or an integer' });
export type RequestId = z.infer<typeof requestIdSchema>;

/** MCP params and results are always objects (JSON-RPC would also allow arrays). */
const jsonObjectSchema = z.record(z.string(), z.unknown(), { error: 'must be an object' });
const versionSchema = z.literal(JSONRPC_VERSION, { error: 'must be "2.0"' });
const methodSchema = z.string({ error: 'must be a string' }).min(1, { error: 'must not be empty' });

/**
 * Unknown top-level members are stripped rather than refused: JSON-RPC does not forbid them, and stripping means
 * nothing the gateway did not look at is forwarded upstream.
 */
export const jsonRpcRequestSchema = z.object({
  jsonrpc: versionSchema,
  id: requestIdSchema,
  method: methodSchema,
  params: jsonObjectSchema.optional(),
});
export type JsonRpcRequest = z.infer<typeof jsonRpcRequestSchema>;

export const jsonRpcNotificationSchema = z.object({
  jsonrpc: versionSchema,
  method: methodSchema,
  params: jsonObjectSchema.optional(),
});
export type JsonRpcNotification = z.infer<typeof jsonRpcNotificationSchema>;

export const jsonRpcErrorObjectSchema = z.object({
  code: z.int({ error: 'must be an integer' }),
  message: z.string({ error: 'must be a string' }),
  data: z.unknown().optional(),
});
export type JsonRpcErrorObject = z.infer<typeof jsonRpcErrorObjectSchema>;

export const jsonRpcResultResponseSchema = z.object({
  jsonrpc: versionSchema,
  id: requestIdSchema,
  result: jsonObjectSchema,
});
export type JsonRpcResultResponse = z.infer<typeof jsonRpcResultResponseSchema>;

/** `id` is null when the request's id could not be read (JSON-RPC 2.0); MCP also allows omitting it. */
export const jsonRpcErrorResponseSchema = z.object({
  jsonrpc: versionSchema,
  id: requestIdSchema.nullable().optional(),
  error: jsonRpcErrorObjectSchema,
});
export type JsonRpcErrorResponse = z.infer<typeof jsonRpcErrorResponseSchema>;

export type JsonRpcResponse = JsonRpcResultResponse | JsonRpcErrorResponse;
export type JsonRpcMessage = JsonRpcRequest | JsonRpcNotification | JsonRpcResponse;
