import { jsonRpcError } from '../jsonrpc/jsonrpc-error-response';
import { JsonRpcErrorCode } from '../jsonrpc/jsonrpc-error-codes';
import type { RequestId } from '../jsonrpc/jsonrpc-message.schema';

export const streamIdRequired = () =>
  jsonRpcError(null, JsonRpcErrorCode.InvalidRequest, 'the sessionId query parameter is required');
export const streamNotFound = () =>
  jsonRpcError(
    null,
    JsonRpcErrorCode.InvalidRequest,
    'No open SSE stream has this sessionId (it was closed, or the gateway replica holding it is gone); connect again',
  );
export const notInitialized = (id: RequestId) =>
  jsonRpcError(id, JsonRpcErrorCode.InvalidRequest, 'the session is not initialised: send initialize first');
export const alreadyInitialized = (id: RequestId) =>
  jsonRpcError(id, JsonRpcErrorCode.InvalidRequest, 'this session is already initialised');
export const sessionEnded = (id: RequestId) =>
  jsonRpcError(id, JsonRpcErrorCode.InvalidRequest, 'the session behind this stream is gone; connect again');
