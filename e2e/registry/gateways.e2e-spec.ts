import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { eventually, httpJson, REPO_ROOT, startPlatform, type TestPlatform, testInfra } from '@portcullis/testing';
import { Client as Pg } from 'pg';
import { gatewayClient } from '../mcp/mcp-clients';

interface ApiJson {
  id: string;
  token: string;
  slug: string;
  status: number;
  items: { slug: string; managedBy: string | null }[];
  servers: { serverId: string; installationStatus: string }[];
}

/**
 * Gateways from the registry, as a user meets them: an admin puts a server in the catalog, installs it, makes a
 * gateway of it; an MCP client lists and calls its tools through /v1/mcp/{gateway}; who may not use it is refused.
 */
describe('gateways from the registry (gateway + registry + orchestrator)', () => {
  let platform: TestPlatform;
  const clients: Client[] = [];

  const api = (method: string, path: string, token: string | undefined, body?: unknown) =>
    httpJson<ApiJson>(`${platform.url('gateway')}${path}`, {
      method,
      token,
      timeoutMs: 20_000,
      ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    });
  const mcpStatus = (path: string, token: string) =>
    fetch(`${platform.url('gateway')}${path}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'probe', version: '1' } },
      }),
    }).then(async (r) => ({ status: r.status, body: await r.text() }));
  const userWithToken = async (email: string, roles: string[]) => {
    const user = await api('POST', '/api/v1/users', platform.adminToken, {
      email,
      name: email,
      password: 'correct horse battery',
      roles,
    });
    expect(user.status).toBe(201);
    const token = await api('POST', '/api/v1/tokens', platform.adminToken, {
      name: email,
      scope: { type: 'user', userId: user.body.id },
    });
    expect(token.status).toBe(201);
    return { id: user.body.id, token: token.body.token };
  };

  beforeAll(async () => {
    platform = await startPlatform({
      only: ['gateway', 'registry', 'orchestrator'],
      env: { PORTCULLIS_FILE: join(REPO_ROOT, 'portcullis.yaml') },
    });
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
    await platform?.stop();
  });

  it('should apply portcullis.yaml to the registry at start', async () => {
    const seeded = async () => {
      const listed = await api('GET', '/api/v1/gateways', platform.adminToken);
      return listed.body.items?.some((g) => g.slug === 'default' && g.managedBy === 'gitops') ?? false;
    };
    expect(await eventually(seeded, 20_000)).toBe(true);
  });

  it('should serve an admin-made gateway to an MCP client, and refuse other organisations and unlisted users', async () => {
    const admin = platform.adminToken;
    const entry = await api('POST', '/api/v1/catalog', admin, {
      name: 'everything-e2e',
      slug: 'demo',
      title: 'Everything (e2e)',
      version: '1.0.0',
      server: { kind: 'local', command: 'mcp-server-everything', args: ['stdio'] },
    });
    expect(entry.status).toBe(201);
    const installation = await api('POST', '/api/v1/installations', admin, { catalogEntryId: entry.body.id });
    expect(installation.status).toBe(201);
    // The approval workflow (its own e2e) is what makes an installation ready; here it is set directly.
    const pg = new Pg({ connectionString: testInfra().databaseUrl });
    await pg.connect();
    try {
      await pg.query(`UPDATE "${platform.schemaOf('registry')}".installations SET status = 'ready' WHERE id = $1`, [
        installation.body.id,
      ]);
    } finally {
      await pg.end();
    }
    const ada = await userWithToken('ada@example.com', ['member']);
    const noel = await userWithToken('noel@example.com', ['member']);
    const gateway = await api('POST', '/api/v1/gateways', admin, {
      name: 'Team tools',
      slug: 'team-tools',
      servers: [{ installationId: installation.body.id }],
      access: { type: 'restricted', users: [ada.id] },
    });
    expect(gateway.status).toBe(201);
    expect(gateway.body.servers).toEqual([expect.objectContaining({ serverId: 'demo', installationStatus: 'ready' })]);

    // Ada, on the access list: tools listed and called through the gateway.
    const { client } = await gatewayClient(`${platform.url('gateway')}/v1/mcp/team-tools`, ada.token);
    clients.push(client);
    const tools = (await client.listTools()).tools.map((t) => t.name);
    expect(tools).toContain('demo__get-sum');
    const sum = await client.callTool({ name: 'demo__get-sum', arguments: { a: 19, b: 23 } });
    expect(JSON.stringify(sum.content)).toContain('42');

    // Noel, same organisation but not listed: 403. An unknown gateway: 404.
    const refused = await mcpStatus('/v1/mcp/team-tools', noel.token);
    expect(refused.status).toBe(403);
    expect(refused.body).toContain('access list');
    expect((await mcpStatus('/v1/mcp/no-such-gateway', ada.token)).status).toBe(404);
    expect((await mcpStatus('/v1/mcp/team-tools/servers/demo', noel.token)).status).toBe(403);

    // Another organisation's admin finds nothing, by slug or by id.
    const org = await api('POST', '/api/v1/organizations', admin, {
      slug: 'globex',
      name: 'Globex',
      admin: { email: 'root@globex.example', name: 'Globex admin', password: 'correct horse battery' },
    });
    expect(org.status).toBe(201);
    const login = await api('POST', '/api/v1/auth/login', undefined, {
      email: 'root@globex.example',
      password: 'correct horse battery',
    });
    expect(login.status).toBe(200);
    expect((await mcpStatus('/v1/mcp/team-tools', login.body.token)).status).toBe(404);
    expect((await mcpStatus(`/v1/mcp/${gateway.body.id}`, login.body.token)).status).toBe(404);

    // A change is visible within seconds: opening the gateway to the organisation lets Noel in.
    expect(
      (await api('PATCH', `/api/v1/gateways/${gateway.body.id}`, admin, { access: { type: 'organization' } })).status,
    ).toBe(200);
    expect(
      await eventually(async () => (await mcpStatus('/v1/mcp/team-tools', noel.token)).status === 200, 5_000, 100),
    ).toBe(true);
    // And a tool allow-list cuts the view down.
    await api('PATCH', `/api/v1/gateways/${gateway.body.id}`, admin, {
      servers: [{ installationId: installation.body.id, tools: ['echo'] }],
    });
    const narrowed = async () => {
      const { client: fresh } = await gatewayClient(`${platform.url('gateway')}/v1/mcp/team-tools`, ada.token);
      clients.push(fresh);
      const names = (await fresh.listTools()).tools.map((t) => t.name);
      return names.length === 1 && names[0] === 'demo__echo';
    };
    expect(await eventually(narrowed, 5_000, 250)).toBe(true);
  });
});
