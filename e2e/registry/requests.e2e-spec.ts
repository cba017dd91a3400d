import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { eventually, httpJson, processes, startPlatform, type TestPlatform, testInfra } from '@portcullis/testing';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { connect, type NatsConnection } from 'nats';
import { gatewayClient } from '../mcp/mcp-clients';

/** The fields of the API's answers this test reads. */
interface ApiJson {
  id: string;
  slug: string;
  token: string;
  status: string | number;
  statusReason: string | null;
  installation: { id: string; status: string; statusReason: string | null } | null;
  items: { id: string; name: string; hash: string; status: string; approvedHash: string }[];
  nextCursor: string | null;
}

/**
 * A dependency-free MCP server on stdio whose tools/list answers after LIST_DELAY_MS: slow enough to kill the
 * registry while a deploy waits for its discovery. Passed base64-encoded, as catalog args are `{field}` templates.
 */
const SLOW_SERVER = `
const delay = Number(process.env.LIST_DELAY_MS || 0);
const tools = ['lookup', 'summarise', 'translate'].map((name) => ({
  name, description: 'The ' + name + ' tool', inputSchema: { type: 'object', properties: { text: { type: 'string' } } },
}));
const send = (m) => process.stdout.write(JSON.stringify(Object.assign({ jsonrpc: '2.0' }, m)) + '\\n');
let buffer = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  buffer += chunk;
  for (let end = buffer.indexOf('\\n'); end >= 0; end = buffer.indexOf('\\n')) {
    const line = buffer.slice(0, end).trim();
    buffer = buffer.slice(end + 1);
    if (!line) continue;
    const m = JSON.parse(line);
    if (m.id === undefined) continue;
    if (m.method === 'initialize') send({ id: m.id, result: { protocolVersion: m.params.protocolVersion,
      capabilities: { tools: {} }, serverInfo: { name: 'slow-fixture', version: '1.0.0' } } });
    else if (m.method === 'tools/list') setTimeout(() => send({ id: m.id, result: { tools } }), delay);
    else send({ id: m.id, error: { code: -32601, message: 'Method not found' } });
  }
});
process.stdin.on('end', () => process.exit(0));
`;

const SECRET = 'sk-e2e-5f4e3d2c1b-NEVER-LOGGED';

describe('installation requests end to end (gateway + registry + orchestrator, BullMQ on Redis)', () => {
  let platform: TestPlatform;
  let nc: NatsConnection;
  let memberToken: string;
  let outsiderToken: string;
  let gatewayId: string;

  const api = (method: string, path: string, token: string, body?: unknown) =>
    httpJson<ApiJson>(`${platform.url('gateway')}${path}`, {
      method,
      token,
      timeoutMs: 20_000,
      ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    });
  const admin = () => platform.adminToken;

  /** Every event the test's stream stored (each stored once: the stream deduplicates on the event id). */
  const storedEvents = async () => {
    const js = nc.jetstream();
    const consumer = await js.consumers.get(platform.eventsStream);
    const events: { type: string; data: Record<string, unknown> }[] = [];
    for (let got = -1; got !== 0;) {
      got = 0;
      const batch = await consumer.fetch({ max_messages: 500, expires: 1_000 });
      for await (const message of batch) {
        events.push(message.json());
        got++;
      }
    }
    return events;
  };
  const count = (events: { type: string; data: Record<string, unknown> }[], type: string, id: string) =>
    events.filter((e) => e.type === type && JSON.stringify(e.data).includes(id)).length;

  const waitForInstallation = async (requestId: string, status: string, timeoutMs: number) => {
    let last: ApiJson | undefined;
    const reached = await eventually(
      async () => {
        last = (await api('GET', `/api/v1/installation-requests/${requestId}`, admin())).body;
        return last.installation?.status === status;
      },
      timeoutMs,
      100,
    );
    if (!reached) throw new Error(`installation not ${status}: ${JSON.stringify(last?.installation)}`);
    return last!.installation!;
  };

  beforeAll(async () => {
    platform = await startPlatform({
      only: ['gateway', 'registry', 'orchestrator'],
      env: { WORKFLOW_LOCK_MS: '3000', WORKFLOW_SWEEP_INTERVAL_MS: '2000', DEPLOY_BACKOFF_MS: '500' },
    });
    nc = await connect({ servers: testInfra().natsUrl });
    const member = await api('POST', '/api/v1/users', admin(), {
      email: 'mo@requests.example',
      name: 'Mo Member',
      password: 'correct horse battery staple',
      roles: ['member'],
    });
    memberToken = (
      await api('POST', '/api/v1/tokens', admin(), { name: 'mo', scope: { type: 'user', userId: member.body.id } })
    ).body.token;
    const other = await api('POST', '/api/v1/organizations', admin(), {
      slug: 'outsiders',
      name: 'Outsiders',
      admin: { email: 'olga@outsiders.example', name: 'Olga', password: 'correct horse battery staple' },
    });
    expect(other.status).toBe(201);
    const login = await api('POST', '/api/v1/auth/login', '', {
      email: 'olga@outsiders.example',
      password: 'correct horse battery staple',
    });
    outsiderToken = login.body.token;
    gatewayId = (await api('POST', '/api/v1/gateways', admin(), { name: 'Team tools', slug: 'team-tools' })).body.id;
  });

  afterAll(async () => {
    await nc?.close();
    if (!platform) return;
    await platform.stop();
  });

  it('should deploy a member-requested catalog server within seconds of an admin approving it', async () => {
    const entry = await api('POST', '/api/v1/catalog', admin(), {
      name: 'everything-on-request',
      version: '2026.1.0',
      userConfig: [{ name: 'API_KEY', secret: true, required: true }],
      server: {
        kind: 'local',
        command: 'mcp-server-everything',
        args: ['stdio'],
        env: [{ name: 'EVERYTHING_API_KEY', value: '{API_KEY}' }],
      },
    });
    expect(entry.status).toBe(201);
    const requested = await api('POST', '/api/v1/installation-requests', memberToken, {
      catalogEntryId: entry.body.id,
      credentials: { API_KEY: SECRET },
      gatewayIds: [gatewayId],
      note: 'for demos',
    });
    expect(requested.status).toBe(201);
    const id = requested.body.id;
    expect(requested.body.status).toBe('pending');

    expect((await api('POST', `/api/v1/installation-requests/${id}/approve`, memberToken, {})).status).toBe(403);
    expect((await api('GET', `/api/v1/installation-requests/${id}`, outsiderToken)).status).toBe(404);
    expect((await api('POST', `/api/v1/installation-requests/${id}/approve`, outsiderToken, {})).status).toBe(404);

    const approvedAt = Date.now();
    const approved = await api('POST', `/api/v1/installation-requests/${id}/approve`, admin(), {});
    expect(approved.status).toBe(200);
    const installation = await waitForInstallation(id, 'ready', 20_000);
    expect(Date.now() - approvedAt).toBeLessThan(20_000);

    const tools = await api('GET', `/api/v1/installations/${installation.id}/tools?limit=200`, memberToken);
    expect(tools.status).toBe(200);
    const names = tools.body.items.map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(['echo', 'get-sum']));
    for (const tool of tools.body.items) {
      expect(tool).toMatchObject({ status: 'approved', approvedHash: tool.hash });
      expect(tool.hash).toMatch(/^[0-9a-f]{64}$/);
    }
    expect((await api('GET', `/api/v1/installations/${installation.id}/tools`, outsiderToken)).status).toBe(404);
    expect((await api('GET', `/api/v1/installations/${installation.id}`, outsiderToken)).status).toBe(404);

    // The member's MCP client sees the tools on the gateway the request chose, and calls work.
    const seen = await eventually(
      async () => {
        const { client } = await gatewayClient(`${platform.url('gateway')}/v1/mcp/team-tools`, memberToken);
        try {
          const listed = await client.listTools();
          return listed.tools.some((t) => t.name === 'everything-on-request__echo');
        } finally {
          await client.close();
        }
      },
      10_000,
      250,
    );
    expect(seen).toBe(true);
    const { client } = await gatewayClient(`${platform.url('gateway')}/v1/mcp/team-tools`, memberToken);
    try {
      const echoed = await client.callTool({ name: 'everything-on-request__echo', arguments: { message: 'approved' } });
      expect(JSON.stringify(echoed.content)).toContain('approved');
    } finally {
      await client.close();
    }
  });

  it('should finish a deploy exactly once when the registry is killed (SIGKILL) while discovery runs', async () => {
    const entry = await api('POST', '/api/v1/catalog', admin(), {
      name: 'slow-lister',
      version: '1.0.0',
      userConfig: [{ name: 'LIST_DELAY_MS', default: '0' }],
      server: {
        kind: 'local',
        command: 'node',
        args: [
          '-e',
          'eval(Buffer.from(process.argv[1], "base64").toString())',
          Buffer.from(SLOW_SERVER).toString('base64'),
        ],
        env: [{ name: 'LIST_DELAY_MS', value: '{LIST_DELAY_MS}' }],
      },
    });
    expect(entry.status).toBe(201);
    const requested = await api('POST', '/api/v1/installation-requests', memberToken, {
      catalogEntryId: entry.body.id,
      configuration: { LIST_DELAY_MS: '4000' },
      gatewayIds: [gatewayId],
    });
    const id = requested.body.id;
    expect((await api('POST', `/api/v1/installation-requests/${id}/approve`, admin(), {})).status).toBe(200);
    const deploying = await waitForInstallation(id, 'deploying', 10_000);

    // The deploy job now waits for the orchestrator's discovery (the server answers tools/list after 4 s).
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const registry = platform.services.get('registry')!;
    registry.kill('SIGKILL');
    expect((await registry.exited).signal).toBe('SIGKILL');
    const restarted = platform.start('registry');
    await processes.waitReady(restarted.url, 60_000, { exited: restarted.exited });

    const ready = await waitForInstallation(id, 'ready', 45_000);
    expect(ready.id).toBe(deploying.id);

    const installations = await api('GET', `/api/v1/installations?catalogEntryId=${entry.body.id}`, admin());
    expect(installations.body.items.map((i) => i.id)).toEqual([ready.id]);
    const tools = await api('GET', `/api/v1/installations/${ready.id}/tools`, admin());
    expect(tools.body.items.map((t) => t.name)).toEqual(['lookup', 'summarise', 'translate']);
    const gateway = await httpJson<{ servers: { installationId: string }[] }>(
      `${platform.url('gateway')}/api/v1/gateways/${gatewayId}`,
      { token: admin(), timeoutMs: 10_000 },
    );
    expect(gateway.body.servers.filter((s) => s.installationId === ready.id)).toHaveLength(1);

    const connection = new Redis(testInfra().redisUrl, { maxRetriesPerRequest: null });
    const queue = new Queue('installation-workflow', { connection, prefix: `${platform.id}:bull` });
    try {
      const job = await queue.getJob(`deploy-${ready.id}`);
      expect(await job?.getState()).toBe('completed');
      expect(job?.returnvalue).toBe('ready');
    } finally {
      await queue.close();
      connection.disconnect();
    }

    // Give the outbox relay and the sweep time to (wrongly) repeat anything, then count what the stream holds.
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    const events = await storedEvents();
    expect({
      approved: count(events, 'events.v1.registry.request.approved', id),
      created: count(events, 'events.v1.registry.installation.created', ready.id),
      deploying: count(events, 'events.v1.registry.installation.deploying', ready.id),
      ready: count(events, 'events.v1.registry.installation.ready', ready.id),
      failed: count(events, 'events.v1.registry.installation.failed', ready.id),
    }).toEqual({ approved: 1, created: 1, deploying: 1, ready: 1, failed: 0 });
  });

  it('should leave the credential sent with the request in no API answer, event or log', async () => {
    const answers = await Promise.all([
      api('GET', '/api/v1/installation-requests?limit=200', admin()),
      api('GET', '/api/v1/installations?limit=200', admin()),
    ]);
    const events = await storedEvents();
    const logs = readdirSync(platform.logDir).map((file) => readFileSync(join(platform.logDir, file), 'utf8'));
    expect(logs.join('').length).toBeGreaterThan(0);
    expect(JSON.stringify(answers.map((a) => a.body))).toContain('API_KEY');
    for (const text of [...answers.map((a) => JSON.stringify(a.body)), JSON.stringify(events), ...logs]) {
      expect(text.includes(SECRET)).toBe(false);
    }
  });
});
