import { classifyRequest, decodeHeaderValue } from './classify-request';

const V = '2026-07-28';
const meta = (extra: Record<string, unknown> = {}) => ({
  'io.modelcontextprotocol/protocolVersion': V,
  'io.modelcontextprotocol/clientCapabilities': {},
  ...extra,
});
const headers = (method: string, extra: Record<string, string> = {}) => ({
  'mcp-protocol-version': V,
  'mcp-method': method,
  ...extra,
});
const request = (method: string, params: Record<string, unknown> = {}, id: unknown = 1) => ({
  jsonrpc: '2.0',
  id,
  method,
  params: { ...params, _meta: meta() },
});

describe(classifyRequest.name, () => {
  it('should leave 2025-11-25 traffic to the stateful path', () => {
    const init = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25' } };
    expect(classifyRequest({}, init)).toEqual({ era: 'legacy' });
    expect(
      classifyRequest({ 'mcp-protocol-version': '2025-11-25' }, { jsonrpc: '2.0', id: 2, method: 'tools/list' }),
    ).toEqual({
      era: 'legacy',
    });
    expect(classifyRequest({}, { jsonrpc: '2.0', id: 3, result: {} })).toEqual({ era: 'legacy' });
    expect(classifyRequest({}, [{ jsonrpc: '2.0', id: 1, method: 'ping' }])).toEqual({ era: 'legacy' });
  });

  it('should serve a request with the 2026-07-28 envelope and matching headers statelessly', () => {
    const classified = classifyRequest(
      headers('tools/call', { 'mcp-name': 'echo' }),
      request('tools/call', { name: 'echo' }),
    );
    expect(classified).toMatchObject({
      era: 'modern',
      request: { id: 1, method: 'tools/call', protocolVersion: V, clientCapabilities: {} },
    });
  });

  it('should refuse a modern header without the _meta envelope with 400 and invalid params', () => {
    const classified = classifyRequest(headers('tools/list'), { jsonrpc: '2.0', id: 1, method: 'tools/list' });
    expect(classified).toMatchObject({ era: 'modern', status: 400, error: { id: 1, error: { code: -32602 } } });
  });

  it('should refuse an envelope without clientCapabilities or with a bad log level', () => {
    const noCaps = {
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/list',
      params: { _meta: { 'io.modelcontextprotocol/protocolVersion': V } },
    };
    expect(classifyRequest(headers('tools/list'), noCaps)).toMatchObject({
      status: 400,
      error: { error: { code: -32602 } },
    });
    const badLevel = {
      ...request('tools/list'),
      params: { _meta: meta({ 'io.modelcontextprotocol/logLevel': 'loud' }) },
    };
    expect(classifyRequest(headers('tools/list'), badLevel)).toMatchObject({
      status: 400,
      error: { error: { code: -32602 } },
    });
  });

  it('should answer an unsupported version with -32022 naming the supported ones', () => {
    const body = {
      ...request('tools/list'),
      params: { _meta: meta({ 'io.modelcontextprotocol/protocolVersion': '2099-01-01' }) },
    };
    expect(classifyRequest({ ...headers('tools/list'), 'mcp-protocol-version': '2099-01-01' }, body)).toMatchObject({
      status: 400,
      error: { error: { code: -32022, data: { supported: [V], requested: '2099-01-01' } } },
    });
  });

  it('should check the version header before the version, so a mismatch is a mismatch even for unknown versions', () => {
    const body = {
      ...request('server/discover'),
      params: { _meta: meta({ 'io.modelcontextprotocol/protocolVersion': 'v999.0.0' }) },
    };
    expect(classifyRequest(headers('server/discover'), body)).toMatchObject({
      status: 400,
      error: { id: 1, error: { code: -32020 } },
    });
    expect(classifyRequest({ ...headers('server/discover'), 'mcp-protocol-version': 'v999.0.0' }, body)).toMatchObject({
      status: 400,
      error: { id: 1, error: { code: -32022, data: { requested: 'v999.0.0' } } },
    });
  });

  it('should refuse missing or disagreeing standard headers with -32020', () => {
    const call = request('tools/call', { name: 'echo' });
    const cases = [
      {},
      { 'mcp-protocol-version': V },
      headers('tools/list', { 'mcp-name': 'echo' }),
      headers('tools/call'),
      headers('tools/call', { 'mcp-name': 'get-env' }),
      headers('tools/call', { 'mcp-name': '=?base64?not*base64?=' }),
      headers('tools/call', { 'mcp-name': 'echo', 'mcp-protocol-version': '2026-07-29' }),
    ];
    for (const h of cases)
      expect(classifyRequest(h, call)).toMatchObject({ status: 400, error: { error: { code: -32020 } } });
  });

  it('should accept a Base64-encoded Mcp-Name and compare the decoded value', () => {
    const uri = 'file:///tmp/ünïcode.txt';
    const encoded = `=?base64?${Buffer.from(uri).toString('base64')}?=`;
    expect(
      classifyRequest(headers('resources/read', { 'mcp-name': encoded }), request('resources/read', { uri })),
    ).toMatchObject({
      era: 'modern',
      request: { method: 'resources/read' },
    });
  });

  it('should answer methods the revision does not define with 404 and method not found', () => {
    for (const method of ['ping', 'initialize', 'logging/setLevel', 'resources/subscribe', 'made/up'])
      expect(classifyRequest(headers(method), request(method))).toMatchObject({
        status: 404,
        error: { error: { code: -32601 } },
      });
  });

  it('should accept and drop a modern notification, and refuse a modern batch', () => {
    const notification = { jsonrpc: '2.0', method: 'notifications/cancelled', params: { _meta: meta() } };
    expect(classifyRequest(headers('notifications/cancelled'), notification)).toEqual({
      era: 'modern',
      notification: true,
    });
    expect(classifyRequest({}, [request('tools/list')])).toMatchObject({
      status: 400,
      error: { error: { code: -32600 } },
    });
  });
});

describe(decodeHeaderValue.name, () => {
  it('should decode the sentinel, pass plain values through and refuse a broken sentinel', () => {
    expect(decodeHeaderValue('=?base64?SGVsbG8sIOS4lueVjA==?=')).toBe('Hello, 世界');
    expect(decodeHeaderValue('us-west1')).toBe('us-west1');
    expect(decodeHeaderValue('=?base64?SGVsbG8?=')).toBeUndefined(); // padding missing
    expect(decodeHeaderValue('=?base64?SGVs!!!bG8=?=')).toBeUndefined();
  });

  it('should take a value that only starts or only ends like the sentinel literally (SEP-2243 test cases)', () => {
    expect(decodeHeaderValue('=?base64?SGVsbG8=')).toBe('=?base64?SGVsbG8=');
    expect(decodeHeaderValue('SGVsbG8=?=')).toBe('SGVsbG8=?=');
  });
});
