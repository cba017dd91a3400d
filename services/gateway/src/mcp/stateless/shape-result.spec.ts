import {
  completeResult,
  discoverResult,
  missingCapabilities,
  modernCapabilities,
  modernResponse,
  upstreamParams,
} from './shape-result';

const info = { name: 'srv', version: '1.0.0' };

describe('shape-result', () => {
  it('should mark final results complete and say who answered', () => {
    expect(completeResult({ content: [], _meta: { a: 1 } }, info)).toEqual({
      content: [],
      resultType: 'complete',
      _meta: { a: 1, 'io.modelcontextprotocol/serverInfo': info },
    });
    expect(completeResult({ tools: [] }, info, 30_000)).toMatchObject({ ttlMs: 30_000, cacheScope: 'private' });
  });

  it('should map the retired resource-not-found code and keep the client id', () => {
    expect(modernResponse(7, { jsonrpc: '2.0', id: 'pc-1', error: { code: -32002, message: 'nope' } }, info)).toEqual({
      jsonrpc: '2.0',
      id: 7,
      error: { code: -32602, message: 'nope' },
    });
    expect(modernResponse('a', { jsonrpc: '2.0', id: 'pc-1', result: { x: 1 } }, info)).toMatchObject({
      id: 'a',
      result: { x: 1, resultType: 'complete' },
    });
  });

  it('should describe the server for server/discover without 2025-only capabilities', () => {
    const caps = modernCapabilities({ tools: { listChanged: true }, tasks: { list: {} }, logging: {} });
    expect(caps).toEqual({ tools: { listChanged: true }, logging: {} });
    expect(discoverResult(caps, info, 'use me', 1000)).toMatchObject({
      resultType: 'complete',
      supportedVersions: ['2026-07-28'],
      capabilities: caps,
      serverInfo: info,
      instructions: 'use me',
      ttlMs: 1000,
    });
  });

  it('should name the capability a server request needs that the client did not declare', () => {
    const elicit = { method: 'elicitation/create', params: { message: 'm', requestedSchema: {} } };
    expect(missingCapabilities(elicit, {})).toEqual({ elicitation: {} });
    expect(missingCapabilities(elicit, { elicitation: {} })).toBeUndefined();
    expect(missingCapabilities({ method: 'elicitation/create', params: { mode: 'url' } }, { elicitation: {} })).toEqual(
      {
        elicitation: { url: {} },
      },
    );
    expect(missingCapabilities({ method: 'elicitation/create', params: {} }, { elicitation: { url: {} } })).toEqual({
      elicitation: { form: {} },
    });
    expect(missingCapabilities({ method: 'sampling/createMessage', params: { tools: [] } }, { sampling: {} })).toEqual({
      sampling: { tools: {} },
    });
    expect(missingCapabilities({ method: 'roots/list' }, { roots: {} })).toBeUndefined();
    expect(missingCapabilities({ method: 'roots/list' }, {})).toEqual({ roots: {} });
  });

  it('should strip the 2026 envelope, input responses and request state before going upstream', () => {
    expect(
      upstreamParams({
        name: 'echo',
        inputResponses: {},
        requestState: 's',
        _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', progressToken: 3 },
      }),
    ).toEqual({ name: 'echo', _meta: { progressToken: 3 } });
    expect(upstreamParams({ _meta: { 'io.modelcontextprotocol/clientCapabilities': {} } })).toEqual({});
  });
});
