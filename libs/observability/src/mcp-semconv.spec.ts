import { mcpMethodLabel, mcpRequestAttributes, mcpResponseError, mcpSpanName, mcpTarget } from './mcp-semconv';

describe('MCP semantic conventions', () => {
  it('should name spans {method} {tool or prompt}, or the method alone', () => {
    const call = { id: 7, method: 'tools/call', params: { name: 'get-sum', arguments: {} } };
    expect(mcpSpanName(call.method, mcpTarget(call))).toBe('tools/call get-sum');
    expect(mcpSpanName('prompts/get', mcpTarget({ method: 'prompts/get', params: { name: 'greet' } }))).toBe(
      'prompts/get greet',
    );
    expect(mcpSpanName('resources/read', mcpTarget({ method: 'resources/read', params: { uri: 'file:///a' } }))).toBe(
      'resources/read',
    );
  });

  it('should set the tool, the execute_tool operation and the request id of a tools/call', () => {
    expect(mcpRequestAttributes({ id: 7, method: 'tools/call', params: { name: 'echo' } }, 'tools/call')).toEqual({
      'mcp.method.name': 'tools/call',
      'jsonrpc.protocol.version': '2.0',
      'jsonrpc.request.id': '7',
      'gen_ai.tool.name': 'echo',
      'gen_ai.operation.name': 'execute_tool',
    });
    expect(
      mcpRequestAttributes({ id: 'a', method: 'resources/read', params: { uri: 'file:///x' } }, 'resources/read'),
    ).toEqual({
      'mcp.method.name': 'resources/read',
      'jsonrpc.protocol.version': '2.0',
      'jsonrpc.request.id': 'a',
      'mcp.resource.uri': 'file:///x',
    });
  });

  it('should tell JSON-RPC errors, tool errors and successes apart', () => {
    expect(mcpResponseError({ jsonrpc: '2.0', id: 1, error: { code: -32602, message: 'bad' } })).toEqual({
      errorType: '-32602',
      code: -32602,
    });
    expect(mcpResponseError({ jsonrpc: '2.0', id: 1, result: { content: [], isError: true } })).toEqual({
      errorType: 'tool_error',
      code: null,
    });
    expect(mcpResponseError({ jsonrpc: '2.0', id: 1, result: { content: [] } })).toBeUndefined();
    expect(mcpResponseError(undefined)).toBeUndefined();
  });

  it('should keep method labels to the protocol’s methods', () => {
    expect(mcpMethodLabel('tools/call')).toBe('tools/call');
    expect(mcpMethodLabel('notifications/cancelled')).toBe('notifications/cancelled');
    expect(mcpMethodLabel('x/' + 'a'.repeat(100))).toBe('other');
  });
});
