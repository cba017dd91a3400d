import type { RequestId } from '../jsonrpc/jsonrpc-message.schema';
import { jsonRpcError } from '../jsonrpc/jsonrpc-error-response';
import { JsonRpcErrorCode } from '../jsonrpc/jsonrpc-error-codes';

/** The SDKs' code for a request that took too long (`ErrorCode.RequestTimeout`). */
export const REQUEST_TIMEOUT = -32001;

export const sessionNotFound = () =>
  jsonRpcError(null, JsonRpcErrorCode.InvalidRequest, 'Session not found or expired; initialize again');
export const sessionRequired = () =>
  jsonRpcError(null, JsonRpcErrorCode.InvalidRequest, 'Mcp-Session-Id header is required');
export const timedOut = (id: RequestId, server: string, ms: number) =>
  jsonRpcError(id, REQUEST_TIMEOUT, `${server} did not answer within ${ms} ms`);
export const upstreamUnavailable = (id: RequestId | null, server: string, detail: string) =>
  jsonRpcError(id, JsonRpcErrorCode.InternalError, `${server} is unavailable: ${detail}`);
