import { testInfra, uniqueId } from '@portcullis/testing';
import type { CatalogEntry } from '../catalog/catalog-entry.schema';
import { callerOf, type RegistryTestApp, startRegistryTestApp } from '../catalog/testing/registry-test-app';
import { SecretStore } from '../secrets/secret-store';
import type { Installation } from './installation.schema';
import { InstallationsService } from './installations.service';

const SECRET = 'sk-live-4f9b1c7e9a2d-DO-NOT-LEAK';
const OTHER_SECRET = 'ghp_rotated-0000-ALSO-SECRET';

const githubEntry = {
  name: 'github',
  version: '0.20.1',
  userConfig: [
    { name: 'GITHUB_TOKEN', secret: true, required: true, description: 'Personal access token' },
    { name: 'TOOLSETS', default: 'repos,issues' },
    { name: 'READ_ONLY', format: 'boolean' },
    { name: 'dirs', repeated: true, format: 'filepath' },
    { name: 'region', required: true, choices: ['eu', 'us'] },
  ],
  server: {
    kind: 'local',
    command: 'github-mcp-server',
    args: ['stdio', '--region={region}'],
    env: [
      { name: 'GITHUB_PERSONAL_ACCESS_TOKEN', value: '{GITHUB_TOKEN}' },
      { name: 'GITHUB_TOOLSETS', value: '{TOOLSETS}' },
    ],
  },
};

describe('installation routes (real Postgres, NATS, RBAC guard)', () => {
  let t: RegistryTestApp;
  let acmeId: string;
  let entry: CatalogEntry;
  const acme = callerOf('acme', ['catalog:read', 'catalog:write', 'installations:read', 'installations:write']);
  const acmeReader = callerOf('acme', ['installations:read'], 'reader');
  const globex = callerOf('globex', ['*:*']);

  beforeAll(async () => {
    t = await startRegistryTestApp(uniqueId('reginst'), testInfra());
    acmeId = await t.organization('acme');
    await t.organization('globex');
    entry = (await t.request(acme, 'POST', '/api/v1/catalog', githubEntry)).json<CatalogEntry>();
  });
  afterAll(async () => t.close());

  const install = (body: Record<string, unknown>, caller = acme) =>
    t.request(caller, 'POST', '/api/v1/installations', { catalogEntryId: entry.id, ...body });

  it('should install for the organisation with configuration and encrypted credentials, and never show them', async () => {
    const created = await install({
      configuration: { region: 'eu', READ_ONLY: true, dirs: ['/srv/a', '/srv/b'] },
      credentials: { GITHUB_TOKEN: SECRET },
    });
    expect(created.status).toBe(201);
    const view = created.json<Installation>();
    expect(view).toMatchObject({
      scope: 'organization',
      subjectId: acmeId,
      status: 'requested',
      configuration: { region: 'eu', READ_ONLY: true, dirs: ['/srv/a', '/srv/b'] },
      credentials: { GITHUB_TOKEN: { set: true, updatedAt: expect.any(String) as unknown } },
    });
    expect(created.body).not.toContain(SECRET);

    const [row] = await t.sql<{ key_id: string; ciphertext: Buffer; iv: Buffer; tag: Buffer }>(
      'SELECT key_id, ciphertext, iv, tag FROM secrets WHERE owner_id = $1',
      [view.id],
    );
    expect(row.key_id).toBe('dev');
    expect(row.iv).toHaveLength(12);
    expect(row.tag).toHaveLength(16);
    expect(row.ciphertext.toString('latin1')).not.toContain('sk-live');
    const revealed = await t.app
      .get(SecretStore)
      .reveal(t.database.dataSource, { organizationId: acmeId, ownerType: 'installation', ownerId: view.id });
    expect(revealed).toEqual({ GITHUB_TOKEN: SECRET });

    const got = await t.request(acmeReader, 'GET', `/api/v1/installations/${view.id}`);
    expect(got.json()).toEqual(view);
    const listed = await t.request(
      acmeReader,
      'GET',
      `/api/v1/installations?catalogEntryId=${entry.id}&scope=organization`,
    );
    expect(listed.json()).toEqual({ items: [view], nextCursor: null });
    expect((await t.request(acmeReader, 'GET', '/api/v1/installations?status=ready')).json()).toEqual({
      items: [],
      nextCursor: null,
    });
    expect((await install({ configuration: { region: 'us' }, credentials: { GITHUB_TOKEN: 'x' } })).status).toBe(409);
  });

  it('should name the missing or wrong field in a 400', async () => {
    const errors = async (body: Record<string, unknown>) => {
      const response = await install(body);
      expect(response.status).toBe(400);
      return response.json<{ errors: { field: string; message: string }[] }>().errors;
    };
    expect(await errors({ scope: 'user', subjectId: '0190a7a0-0000-7000-8000-000000000009' })).toEqual([
      { field: 'body.subjectId', message: 'is not a user of this organisation' },
    ]);
    const [{ id: user }] = await t.sql<{ id: string }>(
      `INSERT INTO users (id, organization_id, email, name) VALUES (gen_random_uuid(), $1, 'ada@acme.test', 'Ada')
       RETURNING id`,
      [acmeId],
    );
    expect(await errors({ scope: 'user', subjectId: user, configuration: {} })).toEqual([
      { field: 'body.credentials.GITHUB_TOKEN', message: 'is required' },
      { field: 'body.configuration.region', message: 'is required' },
    ]);
    expect(
      await errors({
        scope: 'user',
        subjectId: user,
        configuration: { region: 'mars', READ_ONLY: 'maybe', dirs: '/one', GITHUB_TOKEN: SECRET, nope: 1 },
        credentials: { TOOLSETS: SECRET },
      }),
    ).toEqual([
      { field: 'body.configuration.region', message: 'must be one of: eu, us' },
      { field: 'body.configuration.READ_ONLY', message: 'must be true or false' },
      { field: 'body.configuration.dirs', message: 'must be a list' },
      { field: 'body.configuration.GITHUB_TOKEN', message: 'is a secret field; send it in credentials' },
      { field: 'body.configuration.nope', message: 'is not a user-config field of this catalog entry' },
      { field: 'body.credentials.TOOLSETS', message: 'is not a secret field; send it in configuration' },
      { field: 'body.credentials.GITHUB_TOKEN', message: 'is required' },
    ]);
    expect(await errors({ catalogEntryId: '0190a7a0-0000-7000-8000-00000000000a' })).toEqual([
      { field: 'body.catalogEntryId', message: 'is not a catalog entry of this organisation' },
    ]);
    expect((await errors({ scope: 'team' }))[0].field).toBe('body.subjectId');
    expect((await errors({ credentials: { GITHUB_TOKEN: 42 } }))[0].field).toBe('body.credentials.GITHUB_TOKEN');
    expect((await errors({ status: 'ready' }))[0].field).toBe('body');
    const installed = (
      await install({
        scope: 'user',
        subjectId: user,
        configuration: { region: 'us' },
        credentials: { GITHUB_TOKEN: 't' },
      })
    ).json<Installation>();
    const patch = await t.request(acme, 'PATCH', `/api/v1/installations/${installed.id}`, {
      configuration: { region: null },
    });
    expect(patch.json()).toMatchObject({
      status: 400,
      errors: [{ field: 'body.configuration.region', message: 'is required' }],
    });
    expect((await t.request(acmeReader, 'DELETE', `/api/v1/installations/${installed.id}`)).status).toBe(403);
  });

  it('should update values, replace and remove credentials, move status and delete with its secrets', async () => {
    const team = (
      await t.sql<{ id: string }>(
        `INSERT INTO teams (id, organization_id, name) VALUES (gen_random_uuid(), $1, 'platform') RETURNING id`,
        [acmeId],
      )
    )[0].id;
    const view = (
      await install({
        scope: 'team',
        subjectId: team,
        configuration: { region: 'eu' },
        credentials: { GITHUB_TOKEN: SECRET },
      })
    ).json<Installation>();
    const patched = await t.request(acme, 'PATCH', `/api/v1/installations/${view.id}`, {
      configuration: { TOOLSETS: 'repos', READ_ONLY: null },
      credentials: { GITHUB_TOKEN: OTHER_SECRET },
    });
    expect(patched.status).toBe(200);
    expect(patched.json()).toMatchObject({
      configuration: { region: 'eu', TOOLSETS: 'repos' },
      credentials: { GITHUB_TOKEN: { set: true } },
    });
    const secrets = t.app.get(SecretStore);
    const owner = { organizationId: acmeId, ownerType: 'installation' as const, ownerId: view.id };
    expect(await secrets.reveal(t.database.dataSource, owner)).toEqual({ GITHUB_TOKEN: OTHER_SECRET });

    const status = await t.app
      .get(InstallationsService)
      .setStatus(
        { actor: 'system', tenant: acmeId, tenantSlug: 'acme', roles: [], permissions: [] },
        view.id,
        'failed',
        'image pull failed',
      );
    expect(status).toMatchObject({ status: 'failed', statusReason: 'image pull failed' });

    expect((await t.request(acme, 'DELETE', `/api/v1/installations/${view.id}`)).status).toBe(204);
    expect((await t.request(acme, 'GET', `/api/v1/installations/${view.id}`)).status).toBe(404);
    expect(await t.sql('SELECT 1 FROM secrets WHERE owner_id = $1', [view.id])).toEqual([]);
    await t.waitForEvents(4, (e) => e.text.includes(view.id));
    const events = t.parsedEvents((text) => text.includes(view.id));
    expect(events.map((e) => [e.type, e.data.changed])).toEqual([
      ['events.v1.registry.installation.created', undefined],
      ['events.v1.registry.installation.updated', ['configuration', 'credentials']],
      ['events.v1.registry.installation.updated', ['status']],
      ['events.v1.registry.installation.deleted', undefined],
    ]);
    expect(events[0]).toMatchObject({
      tenant: 'acme',
      data: { scope: 'team', subjectId: team, configurationKeys: ['region'], credentialNames: ['GITHUB_TOKEN'] },
    });
    expect(events[2].actor).toEqual({ type: 'system', id: 'registry' });
  });

  it('should refuse to delete a catalog entry that is installed (409)', async () => {
    expect((await t.request(acme, 'DELETE', `/api/v1/catalog/${entry.id}`)).status).toBe(409);
  });

  it("should keep organisations apart: another organisation neither sees nor changes acme's installations", async () => {
    const [view] = (await t.request(acme, 'GET', '/api/v1/installations?scope=organization')).json<{
      items: Installation[];
    }>().items;
    expect((await t.request(globex, 'GET', '/api/v1/installations')).json()).toEqual({ items: [], nextCursor: null });
    expect((await t.request(globex, 'GET', `/api/v1/installations/${view.id}`)).status).toBe(404);
    expect(
      (await t.request(globex, 'PATCH', `/api/v1/installations/${view.id}`, { credentials: { GITHUB_TOKEN: 'x' } }))
        .status,
    ).toBe(404);
    expect((await t.request(globex, 'DELETE', `/api/v1/installations/${view.id}`)).status).toBe(404);
    // Nor can it install acme's catalog entry for itself.
    const foreign = await install({ configuration: { region: 'eu' }, credentials: { GITHUB_TOKEN: 'x' } }, globex);
    expect(foreign.json()).toMatchObject({ status: 400, errors: [{ field: 'body.catalogEntryId' }] });
    expect((await t.request(acme, 'GET', `/api/v1/installations/${view.id}`)).json()).toEqual(view);
  });

  it('should leave no secret value in API responses, events or logs', async () => {
    const bodies: string[] = [];
    const call = async (...args: Parameters<RegistryTestApp['request']>) => {
      const response = await t.request(...args);
      bodies.push(response.body);
      return response;
    };
    const [{ id: bob }] = await t.sql<{ id: string }>(
      `INSERT INTO users (id, organization_id, email, name) VALUES (gen_random_uuid(), $1, 'bob@acme.test', 'Bob')
       RETURNING id`,
      [acmeId],
    );
    const created = await call(acme, 'POST', '/api/v1/installations', {
      catalogEntryId: entry.id,
      scope: 'user',
      subjectId: bob,
      configuration: { region: 'us' },
      credentials: { GITHUB_TOKEN: `${SECRET}-2` },
    });
    expect(created.status).toBe(201);
    const view = created.json<Installation>();
    await call(acme, 'GET', `/api/v1/installations/${view.id}`);
    await call(acme, 'GET', '/api/v1/installations?limit=200');
    await call(acme, 'PATCH', `/api/v1/installations/${view.id}`, { credentials: { GITHUB_TOKEN: OTHER_SECRET } });
    // Refused requests carrying secrets must not echo them either.
    await call(acme, 'PATCH', `/api/v1/installations/${view.id}`, { credentials: { TOOLSETS: SECRET } });
    await call(acme, 'POST', '/api/v1/installations', {
      catalogEntryId: entry.id,
      configuration: { GITHUB_TOKEN: SECRET },
    });
    await call(acme, 'POST', '/api/v1/installations', { catalogEntryId: 'x', credentials: { GITHUB_TOKEN: SECRET } });
    await call(acme, 'DELETE', `/api/v1/installations/${view.id}`);
    await t.waitForEvents(3, (e) => e.text.includes(view.id));

    expect(bodies.length).toBe(8);
    const everything = [...bodies, ...t.events.map((e) => e.text), ...t.logs];
    expect(t.logs.length).toBeGreaterThan(0);
    for (const secret of [SECRET, OTHER_SECRET, 'sk-live', 'ghp_rotated']) {
      expect(everything.filter((text) => text.includes(secret))).toEqual([]);
    }
  });
});
