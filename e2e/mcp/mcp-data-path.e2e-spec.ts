import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
  LoggingMessageNotificationSchema,
  ResourceListChangedNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { eventually, httpJson, REPO_ROOT, startPlatform, type TestPlatform } from '@portcullis/testing';
import { directEverythingClient, gatewayClient, sampledText } from './mcp-clients';

/** The first slice of the MCP data path: one server of a gateway over Streamable HTTP, relayed over NATS. */
describe('MCP through the gateway (single-server endpoint, 2025-11-25)', () => {
  let platform: TestPlatform;
  let direct: Client;
  const clients: Client[] = [];
  const url = (server: string, base = platform.url('gateway')) => `${base}/v1/mcp/default/servers/${server}`;
  const connect = async (server: string, base?: string) => {
    const { client, transport } = await gatewayClient(url(server, base), platform.adminToken);
    clients.push(client);
    return { client, transport };
  };

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
    const { client, transport } = await connect('everything');
    expect(transport.sessionId).toBeTruthy();
    expect(client.getServerVersion()).toEqual(direct.getServerVersion());
    expect(client.getServerCapabilities()).toEqual(direct.getServerCapabilities());
    expect(await client.listTools()).toEqual(await direct.listTools());
    const args = { name: 'get-sum', arguments: { a: 19, b: 23 } };
    expect(await client.callTool(args)).toEqual(await direct.callTool(args));
    expect(await client.listResources()).toEqual(await direct.listResources());
    expect(await client.listPrompts()).toEqual(await direct.listPrompts());
  });

  it('should relay progress notifications under the client’s own token, in order and without gaps', async () => {
    const { client } = await connect('everything');
    const call = { name: 'trigger-long-running-operation', arguments: { duration: 1, steps: 3 } };
    const viaGateway: number[] = [];
    const viaDirect: number[] = [];
    const result = await client.callTool(call, undefined, { onprogress: (p) => viaGateway.push(p.progress) });
    const expected = await direct.callTool(call, undefined, { onprogress: (p) => viaDirect.push(p.progress) });
    expect(result).toEqual(expected);
    // The server sends progress 1..3 before its result. The MCP SDK client handles a progress notification that
    // arrives together with the response after the response, and drops it — on a direct connection as in the
    // worker's upstream client — so the last one may be missing on either path. None may be lost before it, none
    // reordered, and the client's own token must be used (or the SDK would not match them at all).
    const inOrder = (seen: number[]) => seen.every((p, i) => p === i + 1);
    expect(inOrder(viaGateway)).toBe(true);
    expect(inOrder(viaDirect)).toBe(true);
    expect(viaGateway.length).toBeGreaterThanOrEqual(2);
    expect(viaDirect.length).toBeGreaterThanOrEqual(2);
  });

  it('should deliver an upstream’s list_changed to the client, and the changed list after it', async () => {
    const { client } = await connect('everything');
    let changed = 0;
    client.setNotificationHandler(ResourceListChangedNotificationSchema, () => {
      changed++;
    });
    const before = (await client.listResources()).resources.length;
    // The tool registers a session resource, so the server announces a changed resource list.
    const data = `data:text/plain;base64,${Buffer.from('list changed').toString('base64')}`;
    await client.callTool({ name: 'gzip-file-as-resource', arguments: { name: 'lc.txt.gz', data } });
    expect(await eventually(() => Promise.resolve(changed > 0), 5_000)).toBe(true);
    const after = (await client.listResources()).resources;
    expect(after.length).toBe(before + 1);
    expect(after.map((r) => r.name)).toContain('lc.txt.gz');
  });

  it('should relay a sampling request to the client and the client’s answer back to the server', async () => {
    const { client } = await connect('everything');
    const result = await client.callTool({
      name: 'trigger-sampling-request',
      arguments: { prompt: 'ping-42', maxTokens: 20 },
    });
    expect(JSON.stringify(result.content)).toContain(sampledText('').slice(0, 20));
    expect(JSON.stringify(result.content)).toContain('scripted');
  });

  it('should refuse arguments that break the tool’s inputSchema, as a tool error the model can read', async () => {
    const { client } = await connect('everything');
    const result = await client.callTool({ name: 'get-sum', arguments: { a: 1 } });
    expect(result.isError).toBe(true);
    // The gateway's own wording: the server's would start with "MCP error -32602: Input validation error".
    const [first] = result.content as { text: string }[];
    expect(first.text).toMatch(/^Invalid arguments for tool get-sum: .*b/);
  });

  it('should deliver messages the server sends outside any call over the client’s GET stream', async () => {
    const { client } = await connect('everything');
    const logs: unknown[] = [];
    client.setNotificationHandler(LoggingMessageNotificationSchema, (notification) => {
      logs.push(notification.params);
      return Promise.resolve();
    });
    await client.setLoggingLevel('debug');
    await client.callTool({ name: 'toggle-simulated-logging', arguments: {} });
    // What came during the call travelled on the call's own stream; the timer's messages (every 5 s) come later,
    // when no call is open, so only the session's GET stream can carry them.
    logs.length = 0;
    const started = Date.now();
    expect(await eventually(() => Promise.resolve(logs.length > 0), 15_000)).toBe(true);
    expect(Date.now() - started).toBeGreaterThan(1_000);
  });

  it('should keep a sandboxed filesystem server inside its working directory', async () => {
    const { client } = await connect('filesystem');
    await client.callTool({ name: 'write_file', arguments: { path: '/workspace/note.txt', content: 'inside' } });
    const inside = await client.callTool({ name: 'read_text_file', arguments: { path: '/workspace/note.txt' } });
    expect(JSON.stringify(inside.content)).toContain('inside');
    const outside = await client.callTool({
      name: 'read_text_file',
      arguments: { path: join(REPO_ROOT, 'package.json') },
    });
    expect(outside.isError).toBe(true);
  });

  it('should serve the memory server', async () => {
    const { client } = await connect('memory');
    await client.callTool({
      name: 'create_entities',
      arguments: { entities: [{ name: 'Ada', entityType: 'person', observations: ['wrote the first program'] }] },
    });
    const graph = await client.callTool({ name: 'read_graph', arguments: {} });
    expect(JSON.stringify(graph)).toContain('wrote the first program');
  });

  it('should continue a session through another gateway replica', async () => {
    const { client, transport } = await connect('everything');
    await client.listTools();
    const replica = await platform.startReplica('gateway');
    const { client: other } = await gatewayClient(
      url('everything', replica.url),
      platform.adminToken,
      transport.sessionId,
    );
    clients.push(other);
    const echoed = await other.callTool({ name: 'echo', arguments: { message: 'via replica' } });
    expect(JSON.stringify(echoed.content)).toContain('via replica');
  });

  it('should end a session on DELETE and answer 404 for it afterwards', async () => {
    const { transport } = await connect('everything');
    const sessionId = transport.sessionId!;
    await transport.terminateSession();
    const after = await httpJson(url('everything'), {
      method: 'POST',
      token: platform.adminToken,
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-session-id': sessionId,
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(after.status).toBe(404);
  });

  describe('bad input gets a clear answer', () => {
    const post = (body: string, headers: Record<string, string> = {}, token: string | null = platform.adminToken) =>
      httpJson<{ error?: { code: number; message: string } }>(url('everything'), {
        method: 'POST',
        token: token ?? undefined,
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
        body,
      });

    it('should answer malformed JSON with -32700 and a non-JSON-RPC body with -32600', async () => {
      expect(await post('{not json')).toMatchObject({ status: 400, body: { error: { code: -32700 } } });
      expect(await post('{"hello":"world"}')).toMatchObject({ status: 400, body: { error: { code: -32600 } } });
    });

    it('should require a session, and refuse a forged one with 404', async () => {
      const list = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' });
      expect((await post(list)).status).toBe(400);
      expect((await post(list, { 'mcp-session-id': 'forged.session' })).status).toBe(404);
    });

    it('should refuse a missing token (401 + challenge), an unknown server (404) and a foreign Origin (403)', async () => {
      const init = JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'x', version: '1' } },
      });
      const unauthenticated = await post(init, {}, null);
      expect(unauthenticated.status).toBe(401);
      expect(unauthenticated.headers.get('www-authenticate')).toContain('Bearer');
      const unknown = await httpJson(url('nope'), {
        method: 'POST',
        token: platform.adminToken,
        headers: { 'content-type': 'application/json' },
        body: init,
      });
      expect(unknown.status).toBe(404);
      expect((await post(init, { origin: 'https://evil.example' })).status).toBe(403);
    });
  });

  it('should fail a call cleanly, not hang, when the worker owning the session is killed mid-call', async () => {
    const { client } = await connect('everything');
    const started = Date.now();
    const call = client.callTool({ name: 'trigger-long-running-operation', arguments: { duration: 30, steps: 30 } });
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    platform.services.get('orchestrator')!.kill('SIGKILL');
    await expect(call).rejects.toThrow(/stopped responding|unavailable/);
    expect(Date.now() - started).toBeLessThan(15_000);
  });
});
