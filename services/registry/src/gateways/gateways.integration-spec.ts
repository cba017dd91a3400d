import type { RegistryCallerMessage } from '@portcullis/contracts';
import { testInfra, uniqueId } from '@portcullis/testing';
import type { CatalogEntry } from '../catalog/catalog-entry.schema';
import { callerOf, type RegistryTestApp, startRegistryTestApp } from '../catalog/testing/registry-test-app';
import type { Installation } from '../installations/installation.schema';
import { InstallationsService } from '../installations/installations.service';
import { RegistryDb } from '../http/registry-db';
import { GatewayResolveHandlers } from '../resolve/gateway-resolve.handlers';
import { ResolveModule } from '../resolve/resolve.module';
import type { Gateway } from './gateway.schema';
import { GatewaysModule } from './gateways.module';
import { GatewaysService } from './gateways.service';

const SECRET = 'ghp_gateway-secret-7c1d-NEVER-SHOWN';

const githubEntry = {
  name: 'io.github.github/github-mcp-server',
  slug: 'github',
  title: 'GitHub',
  version: '1.0.0',
  userConfig: [
    { name: 'TOKEN', secret: true, required: true },
    { name: 'dirs', repeated: true, format: 'filepath' },
    { name: 'region', default: 'eu' },
  ],
  server: {
    kind: 'local',
    command: 'github-mcp-server',
    args: ['stdio', '--region={region}', '{dirs}'],
    env: [{ name: 'GITHUB_TOKEN', value: '{TOKEN}' }],
    allowedHosts: ['api.github.com'],
    limits: { memoryMb: 256 },
  },
};
const weatherEntry = {
  name: 'weather',
  version: '2.0.0',
  userConfig: [{ name: 'KEY', secret: true, required: true }],
  server: {
    kind: 'remote',
    transport: 'streamable-http',
    url: 'https://weather.example.com/mcp',
    auth: { type: 'bearer', tokenField: 'KEY' },
  },
};

describe('gateway routes and resolution (real Postgres, NATS, RBAC guard)', () => {
  let t: RegistryTestApp;
  let acmeId: string;
  let github: Installation;
  let weather: Installation;
  const acme = callerOf('acme', ['*:*'], 'acme-admin');
  const acmeReader = callerOf('acme', ['gateways:read'], 'acme-reader');
  const globex = callerOf('globex', ['*:*'], 'globex-admin');
  let ada: string;
  let bob: string;
  let platformTeam: string;

  const system = () => ({ actor: 'system', tenant: acmeId, tenantSlug: 'acme', roles: [], permissions: [] });
  const user = (id: string, permissions = ['gateways:use']): RegistryCallerMessage => ({
    ...callerOf('acme', permissions, id),
  });
  const resolve = (gateway: string, caller: RegistryCallerMessage) =>
    t.app.get(GatewayResolveHandlers).resolve({ gateway, caller });

  beforeAll(async () => {
    t = await startRegistryTestApp(uniqueId('reggw'), testInfra(), [GatewaysModule, ResolveModule]);
    acmeId = await t.organization('acme');
    await t.organization('globex');
    const entry = (await t.request(acme, 'POST', '/api/v1/catalog', githubEntry)).json<CatalogEntry>();
    const remote = (await t.request(acme, 'POST', '/api/v1/catalog', weatherEntry)).json<CatalogEntry>();
    github = (
      await t.request(acme, 'POST', '/api/v1/installations', {
        catalogEntryId: entry.id,
        configuration: { dirs: ['/srv/a', '/srv/b'] },
        credentials: { TOKEN: SECRET },
      })
    ).json<Installation>();
    weather = (
      await t.request(acme, 'POST', '/api/v1/installations', {
        catalogEntryId: remote.id,
        credentials: { KEY: `${SECRET}-weather` },
      })
    ).json<Installation>();
    const rows = await t.sql<{ id: string }>(
      `INSERT INTO users (id, organization_id, email, name) VALUES
         (gen_random_uuid(), $1, 'ada@acme.test', 'Ada'), (gen_random_uuid(), $1, 'bob@acme.test', 'Bob')
       RETURNING id`,
      [acmeId],
    );
    [ada, bob] = rows.map((r) => r.id);
    [{ id: platformTeam }] = await t.sql<{ id: string }>(
      `INSERT INTO teams (id, organization_id, name) VALUES (gen_random_uuid(), $1, 'platform') RETURNING id`,
      [acmeId],
    );
    await t.sql('INSERT INTO team_members (team_id, user_id) VALUES ($1, $2)', [platformTeam, bob]);
  });
  afterAll(async () => t.close());

  it('should create, read, list, update and delete a gateway with events', async () => {
    const created = await t.request(acme, 'POST', '/api/v1/gateways', {
      name: 'Dev Tools',
      description: 'for developers',
      prefixMode: 'on-conflict',
      servers: [{ installationId: github.id, tools: ['search_code'] }, { installationId: weather.id }],
    });
    expect(created.status).toBe(201);
    const gateway = created.json<Gateway>();
    expect(gateway).toMatchObject({
      slug: 'dev-tools',
      name: 'Dev Tools',
      prefixMode: 'on-conflict',
      untrustedContext: false,
      access: { type: 'organization' },
      managedBy: null,
      servers: [
        { installationId: github.id, serverId: 'github', tools: ['search_code'], installationStatus: 'requested' },
        { installationId: weather.id, serverId: 'weather', tools: null },
      ],
    });
    expect((await t.request(acmeReader, 'GET', `/api/v1/gateways/${gateway.id}`)).json()).toEqual(gateway);
    expect((await t.request(acmeReader, 'GET', `/api/v1/gateways?q=developers`)).json()).toEqual({
      items: [gateway],
      nextCursor: null,
    });
    expect(
      (await t.request(acmeReader, 'GET', `/api/v1/gateways?installationId=${weather.id}`)).json<{ items: Gateway[] }>()
        .items,
    ).toHaveLength(1);

    const patched = await t.request(acme, 'PATCH', `/api/v1/gateways/${gateway.id}`, {
      untrustedContext: true,
      servers: [{ installationId: weather.id }],
      access: { type: 'restricted', users: [ada], teams: [platformTeam] },
    });
    expect(patched.status).toBe(200);
    expect(patched.json()).toMatchObject({
      untrustedContext: true,
      access: { type: 'restricted', users: [ada], teams: [platformTeam] },
      servers: [{ installationId: weather.id, serverId: 'weather' }],
    });
    // The same change again changes nothing and tells no one.
    await t.request(acme, 'PATCH', `/api/v1/gateways/${gateway.id}`, { untrustedContext: true });

    expect((await t.request(acme, 'DELETE', `/api/v1/gateways/${gateway.id}`)).status).toBe(204);
    expect((await t.request(acme, 'GET', `/api/v1/gateways/${gateway.id}`)).status).toBe(404);
    await t.waitForEvents(3, (e) => e.text.includes(gateway.id));
    const events = t.parsedEvents((text) => text.includes(gateway.id));
    expect(events.map((e) => [e.type, e.data.changed])).toEqual([
      ['events.v1.registry.gateway.created', undefined],
      ['events.v1.registry.gateway.updated', ['untrustedContext', 'access', 'servers']],
      ['events.v1.registry.gateway.deleted', undefined],
    ]);
    expect(events[0]).toMatchObject({ tenant: 'acme', data: { slug: 'dev-tools', source: 'api' } });
  });

  it('should page through gateways with a cursor', async () => {
    for (const name of ['page a', 'page b', 'page c']) await t.request(acme, 'POST', '/api/v1/gateways', { name });
    const first = (await t.request(acme, 'GET', '/api/v1/gateways?limit=2&q=page')).json<{
      items: Gateway[];
      nextCursor: string;
    }>();
    expect(first.items.map((g) => g.slug)).toEqual(['page-a', 'page-b']);
    const second = (await t.request(acme, 'GET', `/api/v1/gateways?limit=2&q=page&cursor=${first.nextCursor}`)).json<{
      items: Gateway[];
      nextCursor: null;
    }>();
    expect(second).toMatchObject({ items: [{ slug: 'page-c' }], nextCursor: null });
  });

  it('should refuse bad input with a 4xx naming the field, and writes without gateways:write', async () => {
    const errors = async (body: unknown, method = 'POST', url = '/api/v1/gateways') => {
      const response = await t.request(acme, method, url, body);
      expect(response.status).toBe(400);
      return response.json<{ errors: { field: string; message: string }[] }>().errors;
    };
    expect((await errors({ name: 'x', slug: 'Bad_Slug' }))[0].field).toBe('body.slug');
    expect((await errors({ name: 'x', slug: '0190a7a0-0000-7000-8000-000000000009' }))[0].field).toBe('body.slug');
    expect((await errors({ name: 'x', prefixMode: 'sometimes' }))[0].field).toBe('body.prefixMode');
    expect(await errors({ name: 'x', servers: [{ installationId: '0190a7a0-0000-7000-8000-000000000009' }] })).toEqual([
      { field: 'body.servers.0.installationId', message: 'is not an installation of this organisation' },
    ]);
    expect(
      (await errors({ name: 'x', servers: [{ installationId: github.id }, { installationId: github.id }] }))[0].field,
    ).toBe('body.servers.1.installationId');
    expect(
      await errors({ name: 'x', access: { type: 'restricted', users: ['0190a7a0-0000-7000-8000-000000000009'] } }),
    ).toEqual([{ field: 'body.access.users.0', message: 'is not a user of this organisation' }]);
    expect((await t.request(acme, 'GET', '/api/v1/gateways?cursor=nope')).status).toBe(400);
    expect((await t.request(acme, 'GET', '/api/v1/gateways/not-a-uuid')).status).toBe(400);
    expect((await t.request(acmeReader, 'POST', '/api/v1/gateways', { name: 'nope' })).status).toBe(403);
    await t.request(acme, 'POST', '/api/v1/gateways', { name: 'taken' });
    expect((await t.request(acme, 'POST', '/api/v1/gateways', { name: 'other', slug: 'taken' })).status).toBe(409);
  });

  it('should resolve a gateway for the data path: ready servers only, access list and gateways:use enforced', async () => {
    const gateway = (
      await t.request(acme, 'POST', '/api/v1/gateways', {
        name: 'Restricted',
        servers: [{ installationId: github.id, tools: ['search_code'] }, { installationId: weather.id }],
        access: { type: 'restricted', users: [ada], teams: [platformTeam] },
      })
    ).json<Gateway>();
    const installations = t.app.get(InstallationsService);
    await installations.setStatus(system(), github.id, 'ready');

    const forAda = await resolve('restricted', user(ada));
    expect(forAda).toEqual({
      found: true,
      allowed: true,
      gateway: {
        id: gateway.id,
        slug: 'restricted',
        name: 'Restricted',
        organization: 'acme',
        prefixMode: 'always',
        untrustedContext: false,
        servers: [{ id: 'github', name: 'GitHub', installationId: github.id, tools: ['search_code'] }],
      },
    });
    expect(await resolve(gateway.id, user(bob))).toMatchObject({ found: true, allowed: true }); // via team
    expect(await resolve('restricted', user('0190a7a0-0000-7000-8000-00000000000c'))).toMatchObject({
      found: true,
      allowed: false,
      reason: expect.stringContaining('access list') as unknown,
    });
    expect(await resolve('restricted', user(ada, ['gateways:read']))).toMatchObject({
      allowed: false,
      reason: expect.stringContaining('gateways:use') as unknown,
    });
    expect(await resolve('nope', user(ada))).toEqual({ found: false });
    // Another organisation finds nothing, neither by slug nor by id.
    expect(await resolve('restricted', globex)).toEqual({ found: false });
    expect(await resolve(gateway.id, globex)).toEqual({ found: false });

    // The orchestrator's view: runtime definitions with the credentials filled in.
    const handlers = t.app.get(GatewayResolveHandlers);
    expect(await handlers.servers({ gatewayId: gateway.id })).toEqual({
      found: true,
      servers: [
        {
          id: 'github',
          name: 'GitHub',
          runtime: {
            type: 'local',
            command: 'github-mcp-server',
            args: ['stdio', '--region=eu', '/srv/a', '/srv/b'],
            env: { GITHUB_TOKEN: SECRET },
            network: { allow: ['api.github.com'] },
            limits: { memoryMb: 256 },
          },
        },
      ],
    });
    await installations.setStatus(system(), weather.id, 'ready');
    const both = await handlers.servers({ gatewayId: gateway.id });
    expect(both.found && both.servers[1]).toEqual({
      id: 'weather',
      name: 'weather',
      runtime: {
        type: 'remote',
        url: 'https://weather.example.com/mcp',
        transport: 'streamable-http',
        headers: { Authorization: `Bearer ${SECRET}-weather` },
      },
    });
    expect(await handlers.servers({ gatewayId: '0190a7a0-0000-7000-8000-000000000009' })).toEqual({ found: false });
  });

  it('should assign an installation idempotently and tell after commit, never on rollback', async () => {
    const gateway = (await t.request(acme, 'POST', '/api/v1/gateways', { name: 'Assigned' })).json<Gateway>();
    const service = t.app.get(GatewaysService);
    const db = t.app.get(RegistryDb);
    await expect(
      db.transaction(async (tx) => {
        await service.assignInstallation(tx, acmeId, gateway.id, weather.id);
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    await db.transaction((tx) => service.assignInstallation(tx, acmeId, gateway.id, github.id));
    await db.transaction((tx) => service.assignInstallation(tx, acmeId, gateway.id, github.id));
    await t.waitForEvents(1, (e) => e.subject.endsWith('gateway.updated') && e.text.includes(gateway.id));
    await new Promise((r) => setTimeout(r, 300));
    const updates = t.parsedEvents((text) => text.includes('gateway.updated') && text.includes(gateway.id));
    expect(updates).toHaveLength(1);
    expect(updates[0]).toMatchObject({ actor: { type: 'system' }, data: { installationIds: [github.id] } });
    expect((await t.request(acme, 'GET', `/api/v1/gateways/${gateway.id}`)).json<Gateway>().servers).toHaveLength(1);
    // Another organisation's gateway cannot be given acme's installation.
    const foreign = (await t.request(globex, 'POST', '/api/v1/gateways', { name: 'Foreign' })).json<Gateway>();
    await expect(db.transaction((tx) => service.assignInstallation(tx, acmeId, foreign.id, github.id))).rejects.toThrow(
      /does not exist/,
    );
  });

  it("should keep organisations apart: another organisation neither sees nor changes acme's gateways", async () => {
    const { items } = (await t.request(acme, 'GET', '/api/v1/gateways')).json<{ items: Gateway[] }>();
    expect(items.length).toBeGreaterThan(0);
    const target = items[0];
    expect(
      (await t.request(globex, 'GET', '/api/v1/gateways')).json<{ items: Gateway[] }>().items.map((g) => g.slug),
    ).toEqual(['foreign']);
    expect((await t.request(globex, 'GET', `/api/v1/gateways/${target.id}`)).status).toBe(404);
    expect((await t.request(globex, 'PATCH', `/api/v1/gateways/${target.id}`, { name: 'x' })).status).toBe(404);
    expect((await t.request(globex, 'DELETE', `/api/v1/gateways/${target.id}`)).status).toBe(404);
    const stolen = await t.request(globex, 'POST', '/api/v1/gateways', {
      name: 'steal',
      servers: [{ installationId: github.id }],
    });
    expect(stolen.json()).toMatchObject({ status: 400, errors: [{ field: 'body.servers.0.installationId' }] });
    expect((await t.request(acme, 'GET', `/api/v1/gateways/${target.id}`)).json()).toEqual(target);
  });

  it('should leave no secret value in API responses, events or logs', async () => {
    const everything = [...t.events.map((e) => e.text), ...t.logs];
    const listed = await t.request(acme, 'GET', '/api/v1/gateways?limit=200');
    expect([listed.body, ...everything].filter((text) => text.includes('gateway-secret'))).toEqual([]);
  });
});
