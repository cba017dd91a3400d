import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { McpError, ResourceListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { eventually, REPO_ROOT, startPlatform, type TestPlatform, testInfra } from '@portcullis/testing';
import { connect } from 'nats';
import { directEverythingClient, gatewayClient } from './mcp-clients';

/** `/v1/mcp/{gateway}`: every server of the gateway in one session, names prefixed `server__tool`. */
describe('MCP through the gateway (aggregated view)', () => {
  let platform: TestPlatform;
  let client: Client;
  let direct: Client;

  beforeAll(async () => {
    platform = await startPlatform({
      only: ['gateway', 'orchestrator'],
      env: { PORTCULLIS_FILE: join(REPO_ROOT, 'portcullis.yaml'), MCP_LIST_PAGE_SIZE: '10' },
    });
    ({ client } = await gatewayClient(`${platform.url('gateway')}/v1/mcp/default`, platform.adminToken));
    direct = await directEverythingClient();
  });

  afterAll(async () => {
    await Promise.all([client, direct].map((c) => c?.close().catch(() => undefined)));
    await platform?.stop();
  });

  /** Every page of the aggregated tool list (this platform serves 10 per page). */
  const allTools = async () => {
    const tools: Awaited<ReturnType<Client['listTools']>>['tools'] = [];
    let cursor: string | undefined;
    do {
      const page = await client.listTools(cursor ? { cursor } : undefined);
      tools.push(...page.tools);
      cursor = page.nextCursor;
    } while (cursor);
    return tools;
  };

  it('should merge the tools of all three servers under server__tool names within 64 characters', async () => {
    const tools = await allTools();
    const names = tools.map((t) => t.name);
    expect(names).toEqual(
      expect.arrayContaining(['everything__echo', 'filesystem__read_text_file', 'memory__read_graph']),
    );
    for (const name of names) expect(name).toMatch(/^[a-zA-Z0-9_-]{1,64}$/);
    const directTools = (await direct.listTools()).tools;
    expect(names.filter((n) => n.startsWith('everything__'))).toHaveLength(directTools.length);
    const echo = tools.find((t) => t.name === 'everything__echo');
    expect(echo?.inputSchema).toEqual(directTools.find((t) => t.name === 'echo')?.inputSchema);
  });

  it('should route a call to its server under the original name', async () => {
    const viaGateway = await client.callTool({ name: 'everything__get-sum', arguments: { a: 2, b: 40 } });
    expect(viaGateway).toEqual(await direct.callTool({ name: 'get-sum', arguments: { a: 2, b: 40 } }));
    await client.callTool({
      name: 'filesystem__write_file',
      arguments: { path: '/workspace/a.txt', content: 'aggregated' },
    });
    const read = await client.callTool({ name: 'filesystem__read_text_file', arguments: { path: '/workspace/a.txt' } });
    expect(JSON.stringify(read.content)).toContain('aggregated');
  });

  it('should publish one audit event per routed call, naming the server and its own tool name', async () => {
    const nc = await connect({ servers: testInfra().natsUrl });
    try {
      await client.callTool({ name: 'everything__get-sum', arguments: { a: 5, b: 6 } });
      const js = nc.jetstream();
      type Seen = { server: string | null; tool: string | null; gateway: string; outcome: string; method: string };
      let found: Seen | undefined;
      await eventually(async () => {
        // An ordered consumer from the stream's start: every event this platform published so far.
        const consumer = await js.consumers.get(platform.eventsStream);
        for await (const msg of await consumer.fetch({ max_messages: 1_000, expires: 1_000 })) {
          const event = msg.json<{ type: string; data: Seen }>();
          if (event.type === 'events.v1.mcp.request' && event.data.tool === 'get-sum') found = event.data;
          if (msg.info.pending === 0) break;
        }
        return found !== undefined;
      }, 10_000);
      expect(found).toMatchObject({ gateway: 'default', server: 'everything', tool: 'get-sum', outcome: 'ok' });
    } finally {
      await nc.close();
    }
  });

  /** How many times the worker asked the `everything` upstream for `method` (its request-duration histogram). */
  const upstreamRequests = async (method: string) => {
    const text = await (await fetch(`${platform.url('orchestrator')}/metrics`)).text();
    const line = text
      .split('\n')
      .find(
        (l) =>
          l.startsWith('portcullis_mcp_upstream_request_duration_seconds_count{') &&
          l.includes('server="everything"') &&
          l.includes(`method="${method}"`) &&
          l.includes('outcome="ok"'),
      );
    return Number(line?.split(' ').at(-1) ?? 0);
  };

  const allResources = async () => {
    const names: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await client.listResources(cursor ? { cursor } : undefined);
      names.push(...page.resources.map((r) => r.name));
      cursor = page.nextCursor;
    } while (cursor);
    return names;
  };

  it('should serve repeated lists from the merged view without asking the upstreams again', async () => {
    await allTools();
    const before = await upstreamRequests('tools/list');
    expect(before).toBeGreaterThan(0);
    for (let i = 0; i < 3; i++) await allTools();
    await allResources();
    expect(await upstreamRequests('tools/list')).toBe(before);
  });

  it('should deliver an upstream’s list_changed through the aggregated session and list the change', async () => {
    let changed = 0;
    client.setNotificationHandler(ResourceListChangedNotificationSchema, () => {
      changed++;
    });
    expect(await allResources()).not.toContain('agg.txt.gz'); // the merged view is cached from here on
    const data = `data:text/plain;base64,${Buffer.from('aggregated change').toString('base64')}`;
    await client.callTool({ name: 'everything__gzip-file-as-resource', arguments: { name: 'agg.txt.gz', data } });
    expect(await eventually(() => Promise.resolve(changed > 0), 5_000)).toBe(true);
    // The worker's change signal dropped the cached view: the next list asks the upstreams again.
    expect(await allResources()).toContain('agg.txt.gz');
  });

  it('should merge resources and prompts and route reads and gets', async () => {
    const { resources } = await client.listResources();
    const first = (await direct.listResources()).resources[0];
    expect(resources.map((r) => r.uri)).toContain(first.uri);
    expect(await client.readResource({ uri: first.uri })).toEqual(await direct.readResource({ uri: first.uri }));
    const { prompts } = await client.listPrompts();
    const directPrompt = (await direct.listPrompts()).prompts.find((p) => !p.arguments?.some((a) => a.required));
    expect(directPrompt).toBeDefined();
    const prefixed = prompts.find((p) => p.name === `everything__${directPrompt!.name}`);
    expect(prefixed).toBeDefined();
    expect(await client.getPrompt({ name: prefixed!.name })).toEqual(
      await direct.getPrompt({ name: directPrompt!.name }),
    );
  });

  it('should refuse arguments that break the tool’s inputSchema before the call leaves the gateway', async () => {
    const result = await client.callTool({ name: 'everything__get-sum', arguments: { a: 'two', b: 40 } });
    expect(result.isError).toBe(true);
    const [first] = result.content as { text: string }[];
    expect(first.text).toMatch(/^Invalid arguments for tool everything__get-sum: /);
  });

  it('should page the merged list with signed cursors, and refuse a tampered one', async () => {
    const first = await client.listTools();
    expect(first.tools).toHaveLength(10);
    expect(first.nextCursor).toBeTruthy();
    const names = (await allTools()).map((t) => t.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names.length).toBeGreaterThan(20);
    const [body, mac] = first.nextCursor!.split('.');
    const forged = `${Buffer.from(
      Buffer.from(body, 'base64url')
        .toString()
        .replace(/"o":\d+/, '"o":0'),
    ).toString('base64url')}.${mac}`;
    const error = await client.listTools({ cursor: forged }).catch((e: unknown) => e);
    expect((error as McpError).code).toBe(-32602);
  });

  it('should answer an unknown tool with invalid params, not a crash', async () => {
    const error = await client.callTool({ name: 'nobody__nothing', arguments: {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(McpError);
    expect((error as McpError).code).toBe(-32602);
    expect(await client.ping()).toEqual({});
  });
});
