import { JsonRpcErrorCode } from './jsonrpc-error-codes';
import { type ParsedJsonRpcBody, classifyJsonRpc, parseJsonRpc } from './parse-json-rpc';

function errorOf(parsed: ParsedJsonRpcBody) {
  if (parsed.ok) throw new Error(`expected an error, got ${parsed.kind}`);
  return parsed.error;
}

describe(parseJsonRpc.name, () => {
  it('should parse a request', () => {
    expect(parseJsonRpc('{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"cursor":"x"}}')).toEqual({
      ok: true,
      kind: 'request',
      message: { jsonrpc: '2.0', id: 1, method: 'tools/list', params: { cursor: 'x' } },
    });
  });

  it('should parse a notification (no id member)', () => {
    expect(parseJsonRpc('{"jsonrpc":"2.0","method":"notifications/initialized"}')).toEqual({
      ok: true,
      kind: 'notification',
      message: { jsonrpc: '2.0', method: 'notifications/initialized' },
    });
  });

  it('should parse result and error responses (clients answer sampling, elicitation and roots requests)', () => {
    expect(parseJsonRpc('{"jsonrpc":"2.0","id":"s-1","result":{"roots":[]}}')).toMatchObject({
      ok: true,
      kind: 'response',
      message: { id: 's-1', result: { roots: [] } },
    });
    expect(parseJsonRpc('{"jsonrpc":"2.0","id":7,"error":{"code":-1,"message":"User rejected"}}')).toMatchObject({
      ok: true,
      kind: 'response',
      message: { id: 7, error: { code: -1, message: 'User rejected' } },
    });
  });

  it('should strip unknown top-level members instead of forwarding them', () => {
    const parsed = parseJsonRpc('{"jsonrpc":"2.0","id":1,"method":"ping","smuggled":true}');
    expect(parsed).toEqual({ ok: true, kind: 'request', message: { jsonrpc: '2.0', id: 1, method: 'ping' } });
  });

  it('should accept a body starting with a byte order mark', () => {
    expect(parseJsonRpc('\uFEFF{"jsonrpc":"2.0","id":1,"method":"ping"}')).toMatchObject({ ok: true, kind: 'request' });
  });

  it.each(['', '{', '{"jsonrpc":"2.0",}', 'undefined', '\u0000'])(
    'should answer %j with -32700 and a null id',
    (body) => {
      expect(errorOf(parseJsonRpc(body))).toEqual({
        jsonrpc: '2.0',
        id: null,
        error: { code: JsonRpcErrorCode.ParseError, message: 'Parse error: invalid JSON' },
      });
    },
  );

  it.each([
    ['a string', '"hello"', null],
    ['null', 'null', null],
    ['a number', '42', null],
    ['a wrong version', '{"jsonrpc":"1.0","id":1,"method":"ping"}', 1],
    ['a missing version', '{"id":1,"method":"ping"}', 1],
    ['a null id', '{"jsonrpc":"2.0","id":null,"method":"ping"}', null],
    ['a fractional id', '{"jsonrpc":"2.0","id":1.5,"method":"ping"}', null],
    ['an object id', '{"jsonrpc":"2.0","id":{},"method":"ping"}', null],
    ['a numeric method', '{"jsonrpc":"2.0","id":"a","method":5}', 'a'],
    ['an empty method', '{"jsonrpc":"2.0","id":"a","method":""}', 'a'],
    ['array params', '{"jsonrpc":"2.0","id":2,"method":"ping","params":[1]}', 2],
    ['string params', '{"jsonrpc":"2.0","method":"notifications/x","params":"p"}', null],
    ['no method, result or error', '{"jsonrpc":"2.0","id":3}', 3],
    ['both result and error', '{"jsonrpc":"2.0","id":3,"result":{},"error":{"code":1,"message":"m"}}', 3],
    ['a malformed error', '{"jsonrpc":"2.0","id":3,"error":{"code":"x"}}', 3],
    ['a non-object result', '{"jsonrpc":"2.0","id":3,"result":5}', 3],
  ])('should answer %s with -32600, echoing the id when it is readable', (_label, body, id) => {
    const error = errorOf(parseJsonRpc(body));
    expect(error.id).toBe(id);
    expect(error.error.code).toBe(JsonRpcErrorCode.InvalidRequest);
    expect(error.error.message).toMatch(/^Invalid Request: /);
  });

  it('should name the offending member in the error', () => {
    const error = errorOf(parseJsonRpc('{"jsonrpc":"2.0","id":1,"method":"ping","params":[1]}'));
    expect(error.error.message).toBe('Invalid Request: params must be an object');
    expect(error.error.data).toEqual({ issues: [{ path: 'params', message: 'must be an object' }] });
  });

  it('should refuse a batch unless allowed', () => {
    const error = errorOf(parseJsonRpc('[{"jsonrpc":"2.0","id":1,"method":"ping"}]'));
    expect(error).toMatchObject({ id: null, error: { code: JsonRpcErrorCode.InvalidRequest } });
    expect(error.error.message).toMatch(/batch/);
  });

  it('should parse each message of an allowed batch on its own', () => {
    const parsed = parseJsonRpc('[{"jsonrpc":"2.0","id":1,"method":"ping"}, 5, {"jsonrpc":"2.0","method":"n"}]', {
      allowBatch: true,
    });
    if (!parsed.ok || parsed.kind !== 'batch') throw new Error('expected a batch');
    expect(parsed.items.map((item) => (item.ok ? item.kind : item.error.error.code))).toEqual([
      'request',
      JsonRpcErrorCode.InvalidRequest,
      'notification',
    ]);
  });

  it('should answer an empty batch with a single -32600', () => {
    expect(errorOf(parseJsonRpc('[]', { allowBatch: true })).error.code).toBe(JsonRpcErrorCode.InvalidRequest);
  });
});

describe(classifyJsonRpc.name, () => {
  it('should classify an already-parsed value', () => {
    expect(classifyJsonRpc({ jsonrpc: '2.0', id: 'x', method: 'tools/call', params: { name: 't' } })).toMatchObject({
      ok: true,
      kind: 'request',
    });
  });

  it('should drop a __proto__ member of params rather than let it reach a prototype', () => {
    const parsed = classifyJsonRpc(JSON.parse('{"jsonrpc":"2.0","id":1,"method":"m","params":{"__proto__":{"x":1}}}'));
    if (!parsed.ok || parsed.kind !== 'request') throw new Error('expected a request');
    expect(parsed.message.params).toEqual({});
    expect((parsed.message.params as { x?: unknown }).x).toBeUndefined();
    expect(({} as { x?: unknown }).x).toBeUndefined();
  });
});
