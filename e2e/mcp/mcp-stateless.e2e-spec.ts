import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { REPO_ROOT, startPlatform, type TestPlatform } from '@portcullis/testing';
import { directEverythingClient } from './mcp-clients';

const VERSION = '2026-07-28';
const INPUT_TIMEOUT_MS = 4_000;

type Json = Record<string, unknown>;
interface Answer {
  status: number;
  contentType: string;
  /** The final JSON-RPC response (the last message of an SSE stream). */
  body: {
    id?: unknown;
    result?: Json & { resultType?: string };
    error?: { code: number; message: string; data?: Json };
  };
  /** Messages streamed before the response. */
  streamed: Json[];
}

/**
 * A 2026-07-28 client over raw HTTP, as the revision's Streamable HTTP transport defines it: the `_meta` envelope on
 * every request, the mirrored MCP-Protocol-Version / Mcp-Method / Mcp-Name headers, no session, no initialize.
 */
function modernClient(base: () => string, token: () => string) {
  let nextId = 1;
  const envelope = (capabilities: Json) => ({
    'io.modelcontextprotocol/protocolVersion': VERSION,
    'io.modelcontextprotocol/clientCapabilities': capabilities,
    'io.modelcontextprotocol/clientInfo': { name: 'portcullis-e2e-2026', version: '1.0.0' },
  });
  const send = async (
    path: string,
    method: string,
    params: Json = {},
    options: { capabilities?: Json; headers?: Record<string, string>; meta?: Json | null } = {},
  ): Promise<Answer> => {
    const meta = options.meta === null ? undefined : { ...envelope(options.capabilities ?? {}), ...options.meta };
    const name =
      typeof params.name === 'string' ? params.name : typeof params.uri === 'string' ? params.uri : undefined;
    const response = await fetch(`${base()}${path}`, {
      method: 'POST',
      signal: AbortSignal.timeout(30_000),
      headers: {
        Authorization: `Bearer ${token()}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': VERSION,
        'mcp-method': method,
        ...(name ? { 'mcp-name': name } : {}),
        ...options.headers,
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: nextId++,
        method,
        params: meta ? { ...params, _meta: meta } : params,
      }),
    });
    const contentType = response.headers.get('content-type') ?? '';
    const text = await response.text();
    if (!contentType.startsWith('text/event-stream'))
      return { status: response.status, contentType, body: JSON.parse(text) as Answer['body'], streamed: [] };
    const messages = sseMessages(text);
    return {
      status: response.status,
      contentType,
      body: messages.at(-1) as Answer['body'],
      streamed: messages.slice(0, -1),
    };
  };
  return { send };
}

function sseMessages(text: string): Json[] {
  return text
    .split('\n\n')
    .map((event) =>
      event
        .split('\n')
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(5).trim())
        .join(''),
    )
    .filter(Boolean)
    .map((data) => JSON.parse(data) as Json);
}

/** Reads an open SSE response as messages arrive. */
async function* sseStream(response: Response): AsyncGenerator<Json> {
  const reader = response.body!.getReader() as ReadableStreamDefaultReader<Uint8Array>;
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) !== -1) {
      const event = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      yield* sseMessages(`${event}\n\n`);
    }
  }
}

describe('MCP 2026-07-28 (stateless) through the gateway, beside 2025-11-25 on the same URLs', () => {
  let platform: TestPlatform;
  let direct: Client;
  let replicaUrl: string;
  const one = '/v1/mcp/default/servers/everything';
  const all = '/v1/mcp/default';
  const client = modernClient(
    () => platform.url('gateway'),
    () => platform.adminToken,
  );
  const viaReplica = modernClient(
    () => replicaUrl,
    () => platform.adminToken,
  );

  beforeAll(async () => {
    platform = await startPlatform({
      only: ['gateway', 'orchestrator'],
      env: { PORTCULLIS_FILE: join(REPO_ROOT, 'portcullis.yaml'), MCP_INPUT_TIMEOUT_MS: String(INPUT_TIMEOUT_MS) },
    });
    replicaUrl = (await platform.startReplica('gateway')).url;
    direct = await directEverythingClient();
  });

  afterAll(async () => {
    await direct?.close().catch(() => undefined);
    await platform?.stop();
  });

  it('should describe the server with server/discover, as the server itself describes itself', async () => {
    const { status, body } = await client.send(one, 'server/discover');
    expect(status).toBe(200);
    const result = body.result!;
    expect(result.resultType).toBe('complete');
    expect(result.supportedVersions).toEqual([VERSION]);
    expect(result.serverInfo).toEqual(direct.getServerVersion());
    expect(result._meta).toEqual({ 'io.modelcontextprotocol/serverInfo': direct.getServerVersion() });
    const capabilities = direct.getServerCapabilities()!;
    expect(result.capabilities).toMatchObject({ tools: capabilities.tools, resources: capabilities.resources });
    expect(result).toMatchObject({ ttlMs: expect.any(Number) as unknown, cacheScope: 'private' });
  });

  it('should list and call tools, without initialize or a session', async () => {
    const listed = await client.send(one, 'tools/list');
    expect(listed.status).toBe(200);
    expect(listed.body.result).toMatchObject({
      resultType: 'complete',
      ttlMs: expect.any(Number) as unknown,
      cacheScope: 'private',
    });
    const names = (listed.body.result!.tools as { name: string }[]).map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(['echo', 'get-sum', 'trigger-elicitation-request']));
    const echoed = await client.send(one, 'tools/call', { name: 'echo', arguments: { message: 'stateless hello' } });
    expect(echoed.body.result).toMatchObject({
      resultType: 'complete',
      content: [{ type: 'text', text: 'Echo: stateless hello' }],
    });
    expect(echoed.body.result).toEqual({
      ...(await direct.callTool({ name: 'echo', arguments: { message: 'stateless hello' } })),
      resultType: 'complete',
      _meta: { 'io.modelcontextprotocol/serverInfo': direct.getServerVersion() },
    });
  });

  it('should read a resource', async () => {
    const { resources } = await direct.listResources();
    const uri = resources[0].uri;
    const read = await client.send(one, 'resources/read', { uri });
    expect(read.body.result).toMatchObject({ resultType: 'complete' });
    expect(read.body.result!.contents).toEqual((await direct.readResource({ uri })).contents);
  });

  it('should turn an elicitation into an input-required result and finish the call with the retry, on another replica', async () => {
    const capabilities = { elicitation: { form: {} } };
    const first = await client.send(
      one,
      'tools/call',
      { name: 'trigger-elicitation-request', arguments: {} },
      { capabilities },
    );
    expect(first.status).toBe(200);
    const asked = first.body.result!;
    expect(asked.resultType).toBe('input_required');
    const [key, request] = Object.entries(asked.inputRequests as Record<string, { method: string; params: Json }>)[0];
    expect(request.method).toBe('elicitation/create');
    expect(request.params.requestedSchema).toMatchObject({ type: 'object', required: ['name'] });
    expect(typeof asked.requestState).toBe('string');
    const retried = await viaReplica.send(
      one,
      'tools/call',
      {
        name: 'trigger-elicitation-request',
        arguments: {},
        inputResponses: { [key]: { action: 'accept', content: { name: 'Ada Lovelace', check: true } } },
        requestState: asked.requestState,
      },
      { capabilities },
    );
    expect(retried.body.result?.resultType).toBe('complete');
    expect(JSON.stringify(retried.body.result!.content)).toContain('Ada Lovelace');
    // The state was good for one continuation only.
    const replayed = await client.send(
      one,
      'tools/call',
      {
        name: 'trigger-elicitation-request',
        arguments: {},
        inputResponses: { [key]: { action: 'accept', content: { name: 'Mallory' } } },
        requestState: asked.requestState,
      },
      { capabilities },
    );
    expect(replayed.body.error?.code).toBe(-32602);
  });

  it('should do the same for sampling', async () => {
    const capabilities = { sampling: {} };
    const call = { name: 'trigger-sampling-request', arguments: { prompt: 'capital of France?', maxTokens: 20 } };
    const first = await client.send(one, 'tools/call', call, { capabilities });
    expect(first.body.error).toBeUndefined();
    const asked = first.body.result!;
    expect(asked.resultType).toBe('input_required');
    const [key, request] = Object.entries(asked.inputRequests as Record<string, { method: string }>)[0];
    expect(request.method).toBe('sampling/createMessage');
    const answer = { role: 'assistant', content: { type: 'text', text: 'Paris, scripted' }, model: 'scripted' };
    const done = await client.send(
      one,
      'tools/call',
      { ...call, inputResponses: { [key]: answer }, requestState: asked.requestState },
      { capabilities },
    );
    expect(done.body.result?.resultType).toBe('complete');
    expect(JSON.stringify(done.body.result!.content)).toContain('Paris, scripted');
  });

  it('should refuse a tampered, foreign or expired requestState and free the upstream when the client never returns', async () => {
    const capabilities = { elicitation: {} };
    const call = { name: 'trigger-elicitation-request', arguments: {} };
    const first = await client.send(one, 'tools/call', call, { capabilities });
    const state = first.body.result!.requestState as string;
    const tampered = `${state.slice(0, -2)}${state.endsWith('AA') ? 'BB' : 'AA'}`;
    const bad = await client.send(
      one,
      'tools/call',
      { ...call, inputResponses: {}, requestState: tampered },
      { capabilities },
    );
    expect(bad.status).toBe(200);
    expect(bad.body.error).toMatchObject({ code: -32602, message: expect.stringMatching(/requestState/) as unknown });
    const otherRequest = await client.send(
      one,
      'tools/call',
      { name: 'echo', arguments: { message: 'x' }, requestState: state },
      { capabilities },
    );
    expect(otherRequest.body.error).toMatchObject({
      code: -32602,
      message: expect.stringMatching(/different request/) as unknown,
    });
    // Nobody answers: after the input timeout the parked call is cancelled, and its state is refused.
    await new Promise((resolve) => setTimeout(resolve, INPUT_TIMEOUT_MS + 1_000));
    const late = await client.send(
      one,
      'tools/call',
      { ...call, inputResponses: {}, requestState: state },
      { capabilities },
    );
    expect(late.body.error).toMatchObject({
      code: -32602,
      message: expect.stringMatching(/expired|no call waits/) as unknown,
    });
    // The pooled session is free again.
    const after = await client.send(one, 'tools/call', { name: 'echo', arguments: { message: 'still here' } });
    expect(after.body.result).toMatchObject({ content: [{ type: 'text', text: 'Echo: still here' }] });
  });

  it('should answer MissingRequiredClientCapability when the server asks for something the request did not declare', async () => {
    const refused = await client.send(one, 'tools/call', {
      name: 'trigger-sampling-request',
      arguments: { prompt: 'x' },
    });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatchObject({ code: -32021, data: { requiredCapabilities: { sampling: {} } } });
    const after = await client.send(one, 'tools/call', { name: 'get-sum', arguments: { a: 2, b: 3 } });
    expect(JSON.stringify(after.body.result!.content)).toContain('5');
  });

  it('should stream resource updates over subscriptions/listen', async () => {
    const { resources } = await direct.listResources();
    const uri = resources[0].uri;
    const listening = new AbortController();
    const response = await fetch(`${platform.url('gateway')}${one}`, {
      method: 'POST',
      signal: listening.signal,
      headers: {
        Authorization: `Bearer ${platform.adminToken}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': VERSION,
        'mcp-method': 'subscriptions/listen',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 'listen-1',
        method: 'subscriptions/listen',
        params: {
          notifications: { resourceSubscriptions: [uri], promptsListChanged: true },
          _meta: {
            'io.modelcontextprotocol/protocolVersion': VERSION,
            'io.modelcontextprotocol/clientCapabilities': {},
          },
        },
      }),
    });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const stream = sseStream(response);
    const ack = (await stream.next()).value as Json;
    expect(ack).toMatchObject({
      method: 'notifications/subscriptions/acknowledged',
      params: {
        notifications: { resourceSubscriptions: [uri], promptsListChanged: true },
        _meta: { 'io.modelcontextprotocol/subscriptionId': 'listen-1' },
      },
    });
    // server-everything sends updates of subscribed resources every 5 s once asked to.
    await client.send(one, 'tools/call', { name: 'toggle-subscriber-updates', arguments: {} });
    const update = await Promise.race([
      stream.next().then((r) => r.value as Json),
      new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 15_000)),
    ]);
    expect(update).toMatchObject({
      method: 'notifications/resources/updated',
      params: { uri, _meta: { 'io.modelcontextprotocol/subscriptionId': 'listen-1' } },
    });
    await client.send(one, 'tools/call', { name: 'toggle-subscriber-updates', arguments: {} });
    listening.abort();
    await stream.return(undefined).catch(() => undefined);
  });

  it('should relay progress under the request’s token, and cancel the upstream call when the client closes the stream', async () => {
    /** Upstream tools/call requests of server-everything that ended without a result, and how long they took. */
    const upstreamErrors = async () => {
      const lines = (await (await fetch(`${platform.url('orchestrator')}/metrics`)).text())
        .split('\n')
        .filter(
          (l) =>
            l.includes('server="everything"') &&
            l.includes('method="tools/call"') &&
            !l.includes('outcome="ok"') &&
            !l.includes('outcome="tool_error"'),
        );
      const total = (name: string) =>
        lines.filter((l) => l.startsWith(`${name}{`)).reduce((sum, l) => sum + Number(l.split(' ').at(-1)), 0);
      return {
        count: total('portcullis_mcp_upstream_request_duration_seconds_count'),
        seconds: total('portcullis_mcp_upstream_request_duration_seconds_sum'),
      };
    };
    const before = await upstreamErrors();
    const calling = new AbortController();
    const response = await fetch(`${platform.url('gateway')}${one}`, {
      method: 'POST',
      signal: calling.signal,
      headers: {
        Authorization: `Bearer ${platform.adminToken}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': VERSION,
        'mcp-method': 'tools/call',
        'mcp-name': 'trigger-long-running-operation',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 'long-1',
        method: 'tools/call',
        params: {
          name: 'trigger-long-running-operation',
          arguments: { duration: 60, steps: 60 },
          _meta: {
            'io.modelcontextprotocol/protocolVersion': VERSION,
            'io.modelcontextprotocol/clientCapabilities': {},
            progressToken: 'long-progress',
          },
        },
      }),
    });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const stream = sseStream(response);
    const progress = (await stream.next()).value as Json;
    expect(progress).toMatchObject({
      method: 'notifications/progress',
      params: { progressToken: 'long-progress', progress: 1, total: 60 },
    });
    calling.abort();
    await stream.return(undefined).catch(() => undefined);
    // The upstream request ends (cancelled) within moments, not after its 60 s.
    const deadline = Date.now() + 10_000;
    let after = await upstreamErrors();
    while (after.count === before.count && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      after = await upstreamErrors();
    }
    expect(after.count).toBe(before.count + 1);
    expect(after.seconds - before.seconds).toBeLessThan(15);
  });

  it('should serve the aggregated view statelessly, with prefixed names and merged capabilities', async () => {
    const discovered = await client.send(all, 'server/discover');
    expect(discovered.body.result).toMatchObject({
      resultType: 'complete',
      supportedVersions: [VERSION],
      serverInfo: { name: 'portcullis/default' },
      capabilities: { tools: expect.any(Object) as unknown, resources: expect.any(Object) as unknown },
    });
    const listed = await client.send(all, 'tools/list');
    const names = (listed.body.result!.tools as { name: string }[]).map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(['everything__echo', 'memory__read_graph']));
    const echoed = await client.send(all, 'tools/call', { name: 'everything__echo', arguments: { message: 'all' } });
    expect(echoed.body.result).toMatchObject({
      resultType: 'complete',
      content: [{ type: 'text', text: 'Echo: all' }],
    });
    const capabilities = { elicitation: {} };
    const asked = await client.send(
      all,
      'tools/call',
      { name: 'everything__trigger-elicitation-request', arguments: {} },
      { capabilities },
    );
    expect(asked.body.result?.resultType).toBe('input_required');
    const key = Object.keys(asked.body.result!.inputRequests as Json)[0];
    const done = await viaReplica.send(
      all,
      'tools/call',
      {
        name: 'everything__trigger-elicitation-request',
        arguments: {},
        inputResponses: { [key]: { action: 'decline' } },
        requestState: asked.body.result!.requestState,
      },
      { capabilities },
    );
    expect(JSON.stringify(done.body.result!.content)).toContain('declined');
  });

  describe('bad input is answered as the revision prescribes', () => {
    it('should refuse a request whose _meta lacks the envelope with 400 and -32602', async () => {
      const missing = await client.send(one, 'tools/list', {}, { meta: null });
      expect(missing.status).toBe(400);
      expect(missing.body.error?.code).toBe(-32602);
      const noCapabilities = await client.send(
        one,
        'tools/list',
        {},
        {
          meta: { 'io.modelcontextprotocol/clientCapabilities': undefined },
        },
      );
      expect(noCapabilities.status).toBe(400);
      expect(noCapabilities.body.error?.code).toBe(-32602);
    });

    it('should refuse headers that disagree with the body with 400 and -32020', async () => {
      const method = await client.send(one, 'tools/list', {}, { headers: { 'mcp-method': 'tools/call' } });
      expect([method.status, method.body.error?.code]).toEqual([400, -32020]);
      const name = await client.send(
        one,
        'tools/call',
        { name: 'echo', arguments: { message: 'x' } },
        {
          headers: { 'mcp-name': 'get-env' },
        },
      );
      expect([name.status, name.body.error?.code]).toEqual([400, -32020]);
      const encoded = await client.send(
        one,
        'tools/call',
        { name: 'echo', arguments: { message: 'b64' } },
        {
          headers: { 'mcp-name': `=?base64?${Buffer.from('echo').toString('base64')}?=` },
        },
      );
      expect(encoded.body.result).toMatchObject({ content: [{ text: 'Echo: b64' }] });
    });

    it('should refuse an unknown protocol version with 400 and -32022, listing the supported ones', async () => {
      const answer = await client.send(
        one,
        'tools/list',
        {},
        {
          meta: { 'io.modelcontextprotocol/protocolVersion': '2099-01-01' },
          headers: { 'mcp-protocol-version': '2099-01-01' },
        },
      );
      expect(answer.status).toBe(400);
      expect(answer.body.error).toMatchObject({
        code: -32022,
        data: { supported: [VERSION], requested: '2099-01-01' },
      });
    });

    it('should answer methods this revision removed with 404 and -32601', async () => {
      for (const method of ['ping', 'initialize', 'logging/setLevel', 'resources/subscribe']) {
        const answer = await client.send(one, method, method === 'logging/setLevel' ? { level: 'info' } : {});
        expect([method, answer.status, answer.body.error?.code]).toEqual([method, 404, -32601]);
      }
    });
  });

  it('should keep serving 2025-11-25 clients on the same URL', async () => {
    const response = await fetch(`${platform.url('gateway')}${one}`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${platform.adminToken}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'old', version: '1' } },
      }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('mcp-session-id')).toBeTruthy();
    expect(((await response.json()) as { result: { protocolVersion: string } }).result.protocolVersion).toBe(
      '2025-11-25',
    );
  });
});
