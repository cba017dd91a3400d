import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { InstanceStartError } from '../runtime.errors';
import type { RuntimeEvent } from '../runtime.types';
import { RemoteRuntime } from './remote-runtime';

/** A small MCP server, as a third party would run it, over streamable HTTP and over the legacy SSE transport. */
function fixtureServer(): McpServer {
  const server = new McpServer({ name: 'remote-fixture', version: '1.0.0' });
  server.registerTool(
    'add',
    { description: 'Adds two numbers', inputSchema: { a: z.number(), b: z.number() } },
    ({ a, b }) => ({ content: [{ type: 'text', text: String(a + b) }] }),
  );
  return server;
}

interface Upstream {
  url: string;
  port: number;
  requests: { method: string; path: string; host: string | undefined }[];
  sessionsClosed: number;
  close(): Promise<void>;
}

async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<Server> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

async function startStreamableUpstream(): Promise<Upstream> {
  const transports = new Map<string, StreamableHTTPServerTransport>();
  const upstream: Upstream = { url: '', port: 0, requests: [], sessionsClosed: 0, close: () => Promise.resolve() };
  const server = await listen((req, res) => {
    upstream.requests.push({ method: req.method ?? '', path: req.url ?? '', host: req.headers.host });
    if (req.url === '/moved') {
      res.writeHead(307, { location: `http://127.0.0.1:${upstream.port}/mcp` }).end();
      return;
    }
    const sessionId = req.headers['mcp-session-id'];
    const existing = typeof sessionId === 'string' ? transports.get(sessionId) : undefined;
    if (existing) {
      void existing.handleRequest(req, res);
      return;
    }
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: randomUUID,
      onsessioninitialized: (id) => {
        transports.set(id, transport);
      },
      onsessionclosed: (id) => {
        transports.delete(id);
        upstream.sessionsClosed++;
      },
    });
    void fixtureServer()
      .connect(transport)
      .then(() => transport.handleRequest(req, res));
  });
  upstream.port = (server.address() as AddressInfo).port;
  upstream.url = `http://127.0.0.1:${upstream.port}/mcp`;
  upstream.close = () => closeServer(server);
  return upstream;
}

async function startSseUpstream(): Promise<Upstream> {
  const transports = new Map<string, SSEServerTransport>();
  const upstream: Upstream = { url: '', port: 0, requests: [], sessionsClosed: 0, close: () => Promise.resolve() };
  const server = await listen((req, res) => {
    upstream.requests.push({ method: req.method ?? '', path: req.url ?? '', host: req.headers.host });
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method === 'GET' && url.pathname === '/sse') {
      const transport = new SSEServerTransport('/messages', res);
      transports.set(transport.sessionId, transport);
      transport.onclose = () => transports.delete(transport.sessionId);
      void fixtureServer().connect(transport);
      return;
    }
    const transport = transports.get(url.searchParams.get('sessionId') ?? '');
    if (req.method === 'POST' && url.pathname === '/messages' && transport) {
      void transport.handlePostMessage(req, res);
      return;
    }
    res.writeHead(404).end();
  });
  upstream.port = (server.address() as AddressInfo).port;
  upstream.url = `http://127.0.0.1:${upstream.port}/sse`;
  upstream.close = () => closeServer(server);
  return upstream;
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

const loopbackAllowed = { ssrf: { allowedCidrs: ['127.0.0.1/32'] } };

const add = async (runtime: RemoteRuntime, instanceId: string) => {
  const client = await runtime.client(instanceId);
  const result = (await client.callTool({ name: 'add', arguments: { a: 2, b: 40 } })) as CallToolResult;
  return result.content[0];
};

describe('RemoteRuntime (remote MCP upstreams behind the SSRF guard)', () => {
  let streamable: Upstream;
  let sse: Upstream;
  const runtimes: RemoteRuntime[] = [];
  const runtime = (options: ConstructorParameters<typeof RemoteRuntime>[0] = {}) => {
    const created = new RemoteRuntime({ connectTimeoutMs: 5_000, ...options });
    runtimes.push(created);
    return created;
  };

  beforeAll(async () => {
    streamable = await startStreamableUpstream();
    sse = await startSseUpstream();
  });

  afterEach(async () => {
    await Promise.all(runtimes.splice(0).map((r) => r.shutdown()));
  });

  afterAll(async () => {
    await streamable.close();
    await sse.close();
  });

  it('should refuse a loopback upstream unless its range is allow-listed, without sending it anything', async () => {
    const before = streamable.requests.length;
    const refusing = runtime();
    const started = refusing.start({ id: 'r', url: streamable.url, transport: 'streamable-http', headers: {} });
    await expect(started).rejects.toBeInstanceOf(InstanceStartError);
    await expect(started).rejects.toThrow(/127\.0\.0\.1 is loopback and not allow-listed/);
    expect(streamable.requests.length).toBe(before);
  });

  it('should call tools on a streamable HTTP upstream and end its session with DELETE on stop', async () => {
    const remote = runtime(loopbackAllowed);
    const status = await remote.start(
      { id: 'r', url: streamable.url, transport: 'streamable-http', headers: { 'x-api-key': 'k' } },
      { instanceId: 'i1' },
    );
    expect(status).toMatchObject({ instanceId: 'i1', serverId: 'r', runtime: 'remote', state: 'running' });
    expect(await add(remote, 'i1')).toEqual({ type: 'text', text: '42' });
    const closedBefore = streamable.sessionsClosed;
    await remote.stop('i1', 'done');
    expect(remote.status('i1')?.state).toBe('stopped');
    expect(streamable.sessionsClosed).toBe(closedBefore + 1);
    await expect(remote.client('i1')).rejects.toThrow(/stopped/);
  });

  it('should call tools on a legacy HTTP+SSE upstream', async () => {
    const remote = runtime(loopbackAllowed);
    await remote.start({ id: 'legacy', url: sse.url, transport: 'sse', headers: {} }, { instanceId: 'i2' });
    expect(await add(remote, 'i2')).toEqual({ type: 'text', text: '42' });
    expect(sse.requests.some((r) => r.method === 'POST' && r.path.startsWith('/messages?sessionId='))).toBe(true);
  });

  it('should connect to the address it checked, never asking DNS again, and keep the Host name', async () => {
    // The name does not exist in DNS: the connection can only succeed through the checked (pinned) address.
    const remote = runtime({
      ssrf: { allowedHosts: ['mcp.internal.test'] },
      resolver: () => Promise.resolve([{ address: '127.0.0.1', family: 4 }]),
    });
    const url = `http://mcp.internal.test:${streamable.port}/mcp`;
    await remote.start({ id: 'named', url, transport: 'streamable-http', headers: {} }, { instanceId: 'i3' });
    expect(await add(remote, 'i3')).toEqual({ type: 'text', text: '42' });
    expect(streamable.requests.at(-1)?.host).toBe(`mcp.internal.test:${streamable.port}`);
  });

  it('should refuse a name that resolves to a cloud metadata address even when the name is allow-listed', async () => {
    const remote = runtime({
      ssrf: { allowedHosts: ['*.corp.test'] },
      resolver: () => Promise.resolve([{ address: '169.254.169.254', family: 4 }]),
    });
    await expect(
      remote.start({ id: 'meta', url: 'http://mcp.corp.test/mcp', transport: 'streamable-http', headers: {} }),
    ).rejects.toThrow(/cloud metadata endpoint/);
  });

  it('should not follow a redirect (a public server could send it inside)', async () => {
    const remote = runtime(loopbackAllowed);
    const moved = `http://127.0.0.1:${streamable.port}/moved`;
    await expect(remote.start({ id: 'moved', url: moved, transport: 'streamable-http', headers: {} })).rejects.toThrow(
      InstanceStartError,
    );
    expect(streamable.requests.filter((r) => r.path === '/moved').length).toBeGreaterThan(0);
    expect(remote.list().every((s) => s.state === 'stopped')).toBe(true);
  });

  it('should report an unreachable upstream as a failed start, not a hang', async () => {
    const remote = runtime({ ...loopbackAllowed, connectTimeoutMs: 3_000 });
    const closed = await listen((_req, res) => res.destroy());
    const port = (closed.address() as AddressInfo).port;
    await closeServer(closed);
    const started = Date.now();
    await expect(
      remote.start({ id: 'gone', url: `http://127.0.0.1:${port}/mcp`, transport: 'streamable-http', headers: {} }),
    ).rejects.toThrow(/ECONNREFUSED|fetch failed|connect/i);
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('should mark the instance stopped when the upstream ends the session', async () => {
    const events: RuntimeEvent[] = [];
    const remote = runtime(loopbackAllowed);
    remote.subscribe((event) => events.push(event));
    await remote.start({ id: 'legacy', url: sse.url, transport: 'sse', headers: {} }, { instanceId: 'i4' });
    // The legacy transport's session is its GET stream: the server dropping it ends the session.
    await sse.close();
    sse = await startSseUpstream();
    for (let waited = 0; remote.status('i4')?.state !== 'stopped' && waited < 5_000; waited += 50)
      await new Promise((resolve) => setTimeout(resolve, 50));
    expect(remote.status('i4')?.state).toBe('stopped');
    expect(remote.status('i4')?.reason).toMatch(/SSE stream ended/);
    expect(events.filter((e) => e.type === 'status').map((e) => (e as { state: string }).state)).toEqual([
      'starting',
      'running',
      'stopped',
    ]);
  });
});
