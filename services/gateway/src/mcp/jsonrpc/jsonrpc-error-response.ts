import { JsonRpcErrorCode } from './jsonrpc-error-codes';
import { JSONRPC_VERSION, type JsonRpcErrorResponse, type RequestId } from './jsonrpc-message.schema';

/**
 * An error response. `id` is null when the request's id is unknown (parse error, unreadable request, or an HTTP-level
 * refusal such as a bad Origin), as JSON-RPC 2.0 requires and as the official MCP SDK servers send.
 */
export function jsonRpcError(
  id: RequestId | null,
  code: number,
  message: string,
  data?: unknown,
): JsonRpcErrorResponse {
  return {
    jsonrpc: JSONRPC_VERSION,
    id,
    error: data === undefined ? { code, message } : { code, message, data },
  };
}

export function parseError(detail?: string): JsonRpcErrorResponse {
  return jsonRpcError(null, JsonRpcErrorCode.ParseError, detail ? `Parse error: ${detail}` : 'Parse error');
}

export function invalidRequest(id: RequestId | null, detail: string, data?: unknown): JsonRpcErrorResponse {
  return jsonRpcError(id, JsonRpcErrorCode.InvalidRequest, `Invalid Request: ${detail}`, data);
}

export function methodNotFound(id: RequestId, method: string): JsonRpcErrorResponse {
  return jsonRpcError(id, JsonRpcErrorCode.MethodNotFound, `Method not found: ${method}`);
}

export function invalidParams(id: RequestId, detail: string, data?: unknown): JsonRpcErrorResponse {
  return jsonRpcError(id, JsonRpcErrorCode.InvalidParams, `Invalid params: ${detail}`, data);
}

/** Never carries the underlying error's text: it may hold internals (hosts, stack, secrets) a client must not see. */
export function internalError(id: RequestId | null): JsonRpcErrorResponse {
  return jsonRpcError(id, JsonRpcErrorCode.InternalError, 'Internal error');
}
