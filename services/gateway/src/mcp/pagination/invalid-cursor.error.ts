import { JsonRpcErrorCode } from '../jsonrpc/jsonrpc-error-codes';

/** Why a cursor was refused; for logs and metrics. Clients only learn whether to restart the listing. */
export type InvalidCursorReason = 'malformed' | 'bad-signature' | 'unsupported-version' | 'expired';

/** A cursor the gateway did not issue, issued for another list or gateway, altered, or too old. */
export class InvalidCursorError extends Error {
  /** MCP: an invalid or expired cursor is Invalid Params. */
  readonly jsonRpcCode = JsonRpcErrorCode.InvalidParams;

  constructor(readonly reason: InvalidCursorReason) {
    super(reason === 'expired' ? 'Cursor expired; restart the listing without a cursor' : 'Invalid cursor');
    this.name = InvalidCursorError.name;
  }
}
