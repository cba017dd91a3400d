import type * as z from 'zod';
import { invalidRequest, parseError } from './jsonrpc-error-response';
import {
  type JsonRpcErrorResponse,
  type JsonRpcNotification,
  type JsonRpcRequest,
  type JsonRpcResponse,
  type RequestId,
  jsonRpcErrorResponseSchema,
  jsonRpcNotificationSchema,
  jsonRpcRequestSchema,
  jsonRpcResultResponseSchema,
  requestIdSchema,
} from './jsonrpc-message.schema';

/** One message, or the error response to send back for it. */
export type ParsedJsonRpc =
  | { readonly ok: true; readonly kind: 'request'; readonly message: JsonRpcRequest }
  | { readonly ok: true; readonly kind: 'notification'; readonly message: JsonRpcNotification }
  | { readonly ok: true; readonly kind: 'response'; readonly message: JsonRpcResponse }
  | { readonly ok: false; readonly error: JsonRpcErrorResponse };

export type ParsedJsonRpcBody =
  ParsedJsonRpc | { readonly ok: true; readonly kind: 'batch'; readonly items: ParsedJsonRpc[] };

export interface ParseJsonRpcOptions {
  /**
   * JSON-RPC batches were removed from MCP in 2025-06-18 and neither era the gateway serves has them, so an array
   * body is refused unless the caller has negotiated an older revision and sets this.
   */
  readonly allowBatch?: boolean;
}

/** Parses an HTTP body into a typed message, or gives the exact error response (-32700 / -32600) to send. */
export function parseJsonRpc(body: string, options: ParseJsonRpcOptions = {}): ParsedJsonRpcBody {
  let value: unknown;
  try {
    // RFC 8259 lets a parser ignore a byte order mark; some Windows clients send one.
    value = JSON.parse(body.startsWith('\uFEFF') ? body.slice(1) : body);
  } catch {
    return { ok: false, error: parseError('invalid JSON') };
  }
  return parseJsonRpcValue(value, options);
}

/** The same, for a body some other layer (e.g. Fastify's JSON parser) has already turned into a value. */
export function parseJsonRpcValue(value: unknown, options: ParseJsonRpcOptions = {}): ParsedJsonRpcBody {
  if (!Array.isArray(value)) return classifyJsonRpc(value);
  if (!options.allowBatch) {
    return { ok: false, error: invalidRequest(null, 'batches are not supported by this protocol revision') };
  }
  if (value.length === 0) return { ok: false, error: invalidRequest(null, 'empty batch') };
  return { ok: true, kind: 'batch', items: value.map(classifyJsonRpc) };
}

/** Tells a request, notification and response apart by their members, as JSON-RPC does, then checks the shape. */
export function classifyJsonRpc(value: unknown): ParsedJsonRpc {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, error: invalidRequest(null, 'a message must be a JSON object') };
  }
  const id = readableId(value);
  if ('method' in value) {
    return 'id' in value
      ? check(jsonRpcRequestSchema, value, id, (message) => ({ ok: true, kind: 'request', message }))
      : check(jsonRpcNotificationSchema, value, id, (message) => ({ ok: true, kind: 'notification', message }));
  }
  if ('result' in value && 'error' in value) {
    return { ok: false, error: invalidRequest(id, 'a response has either result or error, not both') };
  }
  if ('result' in value) {
    return check(jsonRpcResultResponseSchema, value, id, (message) => ({ ok: true, kind: 'response', message }));
  }
  if ('error' in value) {
    return check(jsonRpcErrorResponseSchema, value, id, (message) => ({ ok: true, kind: 'response', message }));
  }
  return {
    ok: false,
    error: invalidRequest(id, 'not a request, notification or response (no method, result or error)'),
  };
}

function check<S extends z.ZodType>(
  schema: S,
  value: object,
  id: RequestId | null,
  accept: (message: z.infer<S>) => ParsedJsonRpc,
): ParsedJsonRpc {
  const result = schema.safeParse(value);
  if (result.success) return accept(result.data);
  const issues = result.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
  const detail = issues.map((issue) => (issue.path ? `${issue.path} ${issue.message}` : issue.message)).join('; ');
  return { ok: false, error: invalidRequest(id, detail, { issues }) };
}

/** Echo the id when it is a valid one, so the client can match the error to its request; null otherwise. */
function readableId(value: object): RequestId | null {
  const parsed = requestIdSchema.safeParse((value as { id?: unknown }).id);
  return parsed.success ? parsed.data : null;
}
