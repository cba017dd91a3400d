import { JsonRpcErrorCode } from './jsonrpc-error-codes';
import {
  internalError,
  invalidParams,
  invalidRequest,
  jsonRpcError,
  methodNotFound,
  parseError,
} from './jsonrpc-error-response';
import { jsonRpcErrorResponseSchema } from './jsonrpc-message.schema';

describe(jsonRpcError.name, () => {
  it('should build a response every helper shapes the same way', () => {
    const responses = [
      parseError(),
      invalidRequest(null, 'x'),
      methodNotFound(1, 'tools/frobnicate'),
      invalidParams('a', 'Unknown tool: x', { tool: 'x' }),
      internalError(2),
    ];
    for (const response of responses) expect(jsonRpcErrorResponseSchema.parse(response)).toEqual(response);
  });

  it('should leave data out when there is none', () => {
    expect(jsonRpcError(1, JsonRpcErrorCode.InvalidParams, 'm')).toEqual({
      jsonrpc: '2.0',
      id: 1,
      error: { code: -32602, message: 'm' },
    });
  });

  it('should use the standard codes and messages', () => {
    expect(parseError().error).toEqual({ code: -32700, message: 'Parse error' });
    expect(methodNotFound(1, 'x/y').error).toEqual({ code: -32601, message: 'Method not found: x/y' });
    expect(internalError(null)).toEqual({
      jsonrpc: '2.0',
      id: null,
      error: { code: -32603, message: 'Internal error' },
    });
  });

  it('should keep the MCP 2026-07-28 codes in the range the specification reserves for itself', () => {
    for (const code of [
      JsonRpcErrorCode.HeaderMismatch,
      JsonRpcErrorCode.MissingRequiredClientCapability,
      JsonRpcErrorCode.UnsupportedProtocolVersion,
    ]) {
      expect(code).toBeGreaterThanOrEqual(-32099);
      expect(code).toBeLessThanOrEqual(-32020);
    }
  });
});
