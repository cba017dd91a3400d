import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { eventually, httpJson, REPO_ROOT, startPlatform, type TestPlatform } from '@portcullis/testing';
import { directEverythingClient, testClient } from './mcp-clients';

type FetchLike = (url: string | URL, init?: RequestInit) => Promise<Response>;

/** The deprecated HTTP+SSE transport (2024-11-05) through the gateway, driven by the MCP SDK's SSEClientTransport. */
describe('MCP through the gateway (legacy HTTP+SSE transport)', () => {
  let platform: TestPlatform;
  let direct: Client;
  const clients: Client[] = [];
  const gateway = () => platform.url('gateway');
  const serverUrl = (server: string, base = gateway()) => `${base}/v1/mcp/default/servers/${server}`;

  /** `fetch` lets a test send the client's POSTs to another replica than the one holding the stream. */
  const connect = async (sseUrl: string, fetch?: FetchLike) => {
    const client = testClient();
    const transport = new SSEClientTransport(new URL(sseUrl), {
      requestInit: { headers: { Authorization: `Bearer ${platform.adminToken}` } },
      ...(fetch ? { fetch } : {}),
    });
    await client.connect(transport);
    clients.push(client);
    return { client, transport };
  };

  /** Open upstream sessions of a server on the orchestrator (its `portcullis_mcp_upstream_sessions` gauge). */
  const upstreamSessions = async (server: string): Promise<number> => {
    const text = await (await fetch(`${platform.url('orchestrator')}/metrics`)).text();
    const line = text
      .split('\n')
      .find((l) => l.startsWith('portcullis_mcp_upstream_sessions{') && l.includes(`server="${server}"`));
    return line ? Number(line.split(' ').at(-1)) : 0;
  };

  /** A raw stream: the POST URL from its `endpoint` event, and every later event's data. */
  const openRaw = async (sseUrl: string, headers: Record<string, string> = {}) => {
    const abort = new AbortController();
    const response = await fetch(sseUrl, {
      headers: { Authorization: `Bearer ${platform.adminToken}`, Accept: 'text/event-stream', ...headers },
      signal: abort.signal,
    });
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    const next = async (): Promise<{ event: string; data: string }> => {
      for (;;) {
        const end = buffer.indexOf('\n\n');
        if (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const lines = block.split('\n');
          const data = lines.filter((l) => l.startsWith('data: ')).map((l) => l.slice(6));
          if (data.length === 0) continue; // keep-alive comment
          const event = lines.find((l) => l.startsWith('event: '))?.slice(7) ?? 'message';
          return { event, data: data.join('\n') };
        }
        const { value, done } = await reader.read();
        if (done) throw new Error('stream ended');
        buffer += value;
      }
    };
    const first = await next();
    expect(first.event).toBe('endpoint');
    return {
      status: response.status,
      endpoint: new URL(first.data, sseUrl).toString(),
      next,
      close: () => abort.abort(),
    };
  };

  const postTo = (url: string, body: string, token: string | null = platform.adminToken) =>
    httpJson<{ error?: { code: number; message: string } }>(url, {
      method: 'POST',
      token: token ?? undefined,
      headers: { 'content-type': 'application/json' },
      body,
    });

  beforeAll(async () => {
    platform = await startPlatform({
      only: ['gateway', 'orchestrator'],
      env: { PORTCULLIS_FILE: join(REPO_ROOT, 'portcullis.yaml') },
    });
    direct = await directEverythingClient();
  });

  afterAll(async () => {
    await Promise.all([direct, ...clients].map((c) => c?.close().catch(() => undefined)));
    await platform?.stop();
  });

  it('should list and call the same tools as a direct connection to server-everything', async () => {
    const { client } = await connect(`${serverUrl('everything')}/sse`);
    expect(client.getServerVersion()).toEqual(direct.getServerVersion());
    expect(client.getServerCapabilities()).toEqual(direct.getServerCapabilities());
    expect(await client.listTools()).toEqual(await direct.listTools());
    const args = { name: 'get-sum', arguments: { a: 19, b: 23 } };
    expect(await client.callTool(args)).toEqual(await direct.callTool(args));
    expect(await client.listPrompts()).toEqual(await direct.listPrompts());
  });

  it('should name a POST URL beside the stream, with an opaque session id', async () => {
    const raw = await openRaw(`${serverUrl('everything')}/sse`);
    expect(raw.status).toBe(200);
    const endpoint = new URL(raw.endpoint);
    expect(endpoint.pathname).toBe('/v1/mcp/default/servers/everything/messages');
    expect(endpoint.searchParams.get('sessionId')).toMatch(/^[\w-]+\.[\w-]+$/);
    raw.close();
  });

  it('should relay a sampling request over the stream and the client’s POSTed answer back to the server', async () => {
    const { client } = await connect(`${serverUrl('everything')}/sse`);
    const result = await client.callTool({
      name: 'trigger-sampling-request',
      arguments: { prompt: 'legacy-7', maxTokens: 20 },
    });
    // server-everything puts its own words before the prompt it sends.
    expect(JSON.stringify(result.content)).toMatch(/scripted answer to [^"]*legacy-7/);
  });

  it('should relay progress notifications under the client’s own token, in order', async () => {
    const { client } = await connect(`${serverUrl('everything')}/sse`);
    const seen: number[] = [];
    const call = { name: 'trigger-long-running-operation', arguments: { duration: 1, steps: 3 } };
    const result = await client.callTool(call, undefined, { onprogress: (p) => seen.push(p.progress) });
    expect(result).toEqual(await direct.callTool(call));
    // As over Streamable HTTP, the SDK client may drop the last one when it arrives with the response.
    expect(seen.length).toBeGreaterThanOrEqual(2);
    expect(seen.every((p, i) => p === i + 1)).toBe(true);
  });

  it('should refuse arguments that break the tool’s inputSchema, as the Streamable HTTP endpoint does', async () => {
    const { client } = await connect(`${serverUrl('everything')}/sse`);
    const result = await client.callTool({ name: 'get-sum', arguments: { a: 1 } });
    expect(result.isError).toBe(true);
    expect((result.content as { text: string }[])[0].text).toMatch(/^Invalid arguments for tool get-sum: .*b/);
  });

  it('should serve the aggregated view of a gateway', async () => {
    const { client } = await connect(`${gateway()}/v1/mcp/default/sse`);
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names).toEqual(
      expect.arrayContaining(['everything__get-sum', 'filesystem__read_text_file', 'memory__read_graph']),
    );
    const sum = await client.callTool({ name: 'everything__get-sum', arguments: { a: 2, b: 40 } });
    expect(sum).toEqual(await direct.callTool({ name: 'get-sum', arguments: { a: 2, b: 40 } }));
    await client.callTool({
      name: 'memory__create_entities',
      arguments: { entities: [{ name: 'Grace', entityType: 'person', observations: ['found a moth'] }] },
    });
    expect(JSON.stringify(await client.callTool({ name: 'memory__read_graph', arguments: {} }))).toContain(
      'found a moth',
    );
  });

  it('should serve a session whose POSTs land on another gateway replica than its stream', async () => {
    const replica = await platform.startReplica('gateway');
    const viaReplica: FetchLike = (url, init) => {
      const target = new URL(url);
      if (init?.method === 'POST') target.port = String(replica.port);
      return fetch(target, init);
    };
    const { client } = await connect(`${serverUrl('everything')}/sse`, viaReplica);
    const args = { name: 'get-sum', arguments: { a: 5, b: 8 } };
    expect(await client.callTool(args)).toEqual(await direct.callTool(args));
    const sampled = await client.callTool({
      name: 'trigger-sampling-request',
      arguments: { prompt: 'across-replicas', maxTokens: 20 },
    });
    expect(JSON.stringify(sampled.content)).toMatch(/scripted answer to [^"]*across-replicas/);
    const metrics = await (await fetch(`${replica.url}/metrics`)).text();
    const relayed = metrics
      .split('\n')
      .find(
        (l) =>
          l.startsWith('portcullis_mcp_legacy_sse_posts_total{') &&
          l.includes('route="relayed"') &&
          l.includes('outcome="accepted"'),
      );
    expect(Number(relayed?.split(' ').at(-1))).toBeGreaterThanOrEqual(4); // initialize, initialized, call, sampling answer

    // The replica holding a stream goes away: a POST for it gets a clear 404, not a hang.
    const raw = await openRaw(`${serverUrl('everything', replica.url)}/sse`);
    replica.kill('SIGKILL');
    await replica.exited;
    const onMain = raw.endpoint.replace(`:${replica.port}/`, `:${new URL(gateway()).port}/`);
    const gone = await postTo(onMain, JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }));
    expect(gone.status).toBe(404);
    expect(gone.body.error?.message).toMatch(/No open SSE stream/);
  });

  it('should close the upstream session when the client closes its stream', async () => {
    const before = await upstreamSessions('everything');
    const { client } = await connect(`${serverUrl('everything')}/sse`);
    await client.listTools();
    expect(await upstreamSessions('everything')).toBe(before + 1);
    await client.close();
    expect(await eventually(async () => (await upstreamSessions('everything')) === before, 10_000)).toBe(true);
  });

  it('should close every upstream session of an aggregated stream when the client closes it', async () => {
    const before = await upstreamSessions('memory');
    const { client } = await connect(`${gateway()}/v1/mcp/default/sse`);
    await client.listTools();
    expect(await upstreamSessions('memory')).toBe(before + 1);
    await client.close();
    expect(await eventually(async () => (await upstreamSessions('memory')) === before, 10_000)).toBe(true);
  });

  describe('bad input gets a clear answer', () => {
    it('should answer an unknown, forged or foreign session id with 404 and a missing one with 400', async () => {
      const messages = `${serverUrl('everything')}/messages`;
      const ping = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' });
      expect((await postTo(`${messages}?sessionId=forged.id`, ping)).status).toBe(404);
      expect((await postTo(messages, ping)).status).toBe(400);
      const raw = await openRaw(`${serverUrl('everything')}/sse`);
      const token = new URL(raw.endpoint).searchParams.get('sessionId')!;
      // A stream's id is bound to its endpoint: it does not open another server's door.
      const foreign = await postTo(`${serverUrl('memory')}/messages?sessionId=${token}`, ping);
      expect(foreign.status).toBe(404);
      raw.close();
      // Once its stream is closed, the id is gone too.
      expect(await eventually(async () => (await postTo(raw.endpoint, ping)).status === 404, 5_000)).toBe(true);
    });

    it('should answer malformed JSON with -32700, a non-JSON-RPC body with -32600, and a batch with 400', async () => {
      const raw = await openRaw(`${serverUrl('everything')}/sse`);
      expect(await postTo(raw.endpoint, '{not json')).toMatchObject({ status: 400, body: { error: { code: -32700 } } });
      expect(await postTo(raw.endpoint, '{"hello":"world"}')).toMatchObject({
        status: 400,
        body: { error: { code: -32600 } },
      });
      expect((await postTo(raw.endpoint, '[]')).status).toBe(400);
      raw.close();
    });

    it('should answer a request sent before initialize with a JSON-RPC error on the stream', async () => {
      const raw = await openRaw(`${serverUrl('everything')}/sse`);
      const posted = await postTo(raw.endpoint, JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/list' }));
      expect(posted.status).toBe(202);
      const answer = JSON.parse((await raw.next()).data) as { id: number; error: { code: number; message: string } };
      expect(answer).toMatchObject({ id: 7, error: { code: -32600 } });
      expect(answer.error.message).toMatch(/initialize/);
      raw.close();
    });

    it('should refuse a missing token (401), an unknown server (404) and a foreign Origin (403)', async () => {
      const sse = `${serverUrl('everything')}/sse`;
      const unauthenticated = await httpJson(sse, { headers: { accept: 'text/event-stream' } });
      expect(unauthenticated.status).toBe(401);
      expect(unauthenticated.headers.get('www-authenticate')).toContain('Bearer');
      expect((await httpJson(`${serverUrl('nope')}/sse`, { token: platform.adminToken })).status).toBe(404);
      expect((await httpJson(`${gateway()}/v1/mcp/nope/sse`, { token: platform.adminToken })).status).toBe(404);
      const foreign = await httpJson(sse, { token: platform.adminToken, headers: { origin: 'https://evil.example' } });
      expect(foreign.status).toBe(403);
      const raw = await openRaw(sse);
      const ping = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' });
      expect((await postTo(raw.endpoint, ping, null)).status).toBe(401);
      raw.close();
    });
  });
});
