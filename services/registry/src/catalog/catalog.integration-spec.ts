import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { testInfra, uniqueId } from '@portcullis/testing';
import type { CatalogEntry } from './catalog-entry.schema';
import { PORTCULLIS_META_KEY } from './server-json/portcullis-meta';
import { callerOf, type RegistryTestApp, startRegistryTestApp } from './testing/registry-test-app';

const fixture = (name: string) =>
  JSON.parse(readFileSync(join(__dirname, 'server-json', 'fixtures', `${name}.server.json`), 'utf8')) as Record<
    string,
    unknown
  >;

const remoteEntry = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  description: `The ${name} server`,
  version: '1.0.0',
  tags: ['remote', 'demo'],
  userConfig: [{ name: 'token', secret: true, required: true }],
  server: {
    kind: 'remote',
    transport: 'streamable-http',
    url: 'https://mcp.example.com/mcp',
    auth: { type: 'bearer', tokenField: 'token' },
  },
  ...extra,
});
const localEntry = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  description: 'Reads files in a sandbox',
  version: '0.6.2',
  tags: ['files'],
  userConfig: [{ name: 'root', required: true, format: 'filepath' }],
  server: {
    kind: 'local',
    command: 'npx',
    args: ['-y', '@example/files@0.6.2', '{root}'],
    env: [{ name: 'LOG_LEVEL', value: 'warn' }],
    allowedHosts: ['api.example.com:443'],
    limits: { memoryMb: 256, cpus: 0.5, processes: 8 },
  },
  ...extra,
});

describe('catalog routes (real Postgres, NATS, RBAC guard)', () => {
  let t: RegistryTestApp;
  const acme = callerOf('acme', ['catalog:read', 'catalog:write']);
  const acmeReader = callerOf('acme', ['catalog:read'], 'reader');
  const globex = callerOf('globex', ['*:*']);

  beforeAll(async () => {
    t = await startRegistryTestApp(uniqueId('regcat'), testInfra());
    await t.organization('acme');
    await t.organization('globex');
  });
  afterAll(async () => t.close());

  it('should create, read, replace and delete an entry, emitting an event for each change', async () => {
    const created = await t.request(acme, 'POST', '/api/v1/catalog', localEntry('files'));
    expect(created.status).toBe(201);
    const entry = created.json<CatalogEntry>();
    expect(entry).toMatchObject({
      name: 'files',
      slug: 'files',
      kind: 'local',
      newToolsNeedApproval: true,
      createdBy: 'user-acme',
      server: { kind: 'local', allowedHosts: ['api.example.com:443'], limits: { memoryMb: 256 } },
    });
    expect((await t.request(acmeReader, 'GET', `/api/v1/catalog/${entry.id}`)).json()).toEqual(entry);

    const replaced = await t.request(acme, 'PUT', `/api/v1/catalog/${entry.id}`, {
      ...localEntry('files'),
      version: '0.7.0',
      newToolsNeedApproval: false,
    });
    expect(replaced.status).toBe(200);
    expect(replaced.json()).toMatchObject({ slug: 'files', version: '0.7.0', newToolsNeedApproval: false });

    expect((await t.request(acme, 'DELETE', `/api/v1/catalog/${entry.id}`)).status).toBe(204);
    expect((await t.request(acme, 'GET', `/api/v1/catalog/${entry.id}`)).status).toBe(404);

    const mine = () => t.parsedEvents((text) => text.includes(entry.id));
    await t.waitForEvents(3, (e) => e.text.includes(entry.id));
    const events = mine();
    expect(events.map((e) => e.type)).toEqual([
      'events.v1.registry.catalog.created',
      'events.v1.registry.catalog.updated',
      'events.v1.registry.catalog.deleted',
    ]);
    expect(events[0]).toMatchObject({ tenant: 'acme', actor: { type: 'user', id: 'user-acme' } });
    expect(events[1].data).toMatchObject({ changed: ['version', 'newToolsNeedApproval'], source: 'api' });
  });

  it('should refuse writes without catalog:write (403) and callers without a token (401)', async () => {
    const refused = await t.request(acmeReader, 'POST', '/api/v1/catalog', remoteEntry('nope'));
    expect(refused.status).toBe(403);
    expect(refused.json()).toMatchObject({ status: 403, detail: expect.stringContaining('catalog:write') as unknown });
    expect((await t.request(null, 'GET', '/api/v1/catalog')).status).toBe(401);
    expect((await t.request(callerOf('acme', ['installations:read']), 'GET', '/api/v1/catalog')).status).toBe(403);
  });

  it('should answer bad input with a 400 naming the field', async () => {
    const cases: [unknown, string][] = [
      [
        { ...remoteEntry('bad1'), server: { kind: 'remote', transport: 'grpc', url: 'https://x' } },
        'body.server.transport',
      ],
      [{ ...remoteEntry('bad2'), server: { kind: 'remote', transport: 'sse', url: 'ftp://x' } }, 'body.server.url'],
      [{ ...localEntry('bad3'), userConfig: [] }, 'body.server.args.2'],
      [
        { ...localEntry('bad4'), server: { ...localEntry('x').server, limits: { memoryMb: 1 } } },
        'body.server.limits.memoryMb',
      ],
      [{ ...remoteEntry('bad5'), slug: 'Not A Slug' }, 'body.slug'],
      [{ ...remoteEntry('bad6'), version: undefined }, 'body.version'],
    ];
    for (const [body, field] of cases) {
      const response = await t.request(acme, 'POST', '/api/v1/catalog', body);
      expect({ field, status: response.status }).toEqual({ field, status: 400 });
      expect(response.json<{ errors: { field: string }[] }>().errors.map((e) => e.field)).toContain(field);
    }
    expect((await t.request(acme, 'GET', '/api/v1/catalog/not-a-uuid')).status).toBe(400);
    expect((await t.request(acme, 'GET', '/api/v1/catalog?limit=0')).status).toBe(400);
    expect((await t.request(acme, 'GET', '/api/v1/catalog?cursor=garbage')).status).toBe(400);
    expect((await t.request(acme, 'POST', '/api/v1/catalog', '{"name":')).status).toBe(400);
  });

  it('should refuse a second entry with the same name or slug (409) and derive free slugs', async () => {
    const first = (
      await t.request(acme, 'POST', '/api/v1/catalog', remoteEntry('io.example/dup'))
    ).json<CatalogEntry>();
    expect(first.slug).toBe('dup');
    expect((await t.request(acme, 'POST', '/api/v1/catalog', remoteEntry('io.example/dup'))).status).toBe(409);
    expect((await t.request(acme, 'POST', '/api/v1/catalog', remoteEntry('other', { slug: 'dup' }))).status).toBe(409);
    const second = (await t.request(acme, 'POST', '/api/v1/catalog', remoteEntry('io.other/dup'))).json<CatalogEntry>();
    expect(second.slug).toBe('dup-2');
  });

  it('should list with filters and cursor pagination', async () => {
    for (let i = 0; i < 5; i++) {
      await t.request(
        acme,
        'POST',
        '/api/v1/catalog',
        remoteEntry(`page-${i}`, { tags: ['paged', i % 2 ? 'odd' : 'even'] }),
      );
    }
    await t.request(
      acme,
      'POST',
      '/api/v1/catalog',
      localEntry('paged-local', { tags: ['paged'], description: 'Has 100%_ weird text' }),
    );
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: CatalogEntry[]; nextCursor: string | null } = (
        await t.request(acme, 'GET', `/api/v1/catalog?tag=paged&limit=2${cursor ? `&cursor=${cursor}` : ''}`)
      ).json();
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((e) => e.name));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(['page-0', 'page-1', 'page-2', 'page-3', 'page-4', 'paged-local']);
    const names = async (query: string) =>
      (await t.request(acme, 'GET', `/api/v1/catalog?${query}`))
        .json<{ items: CatalogEntry[] }>()
        .items.map((e) => e.name);
    expect(await names('tag=paged,odd')).toEqual(['page-1', 'page-3']);
    expect(await names('tag=paged&tag=even&kind=remote')).toEqual(['page-0', 'page-2', 'page-4']);
    expect(await names('kind=local&tag=paged')).toEqual(['paged-local']);
    expect(await names('q=PAGE-3')).toEqual(['page-3']);
    expect(await names(`q=${encodeURIComponent('100%_')}`)).toEqual(['paged-local']);
    expect(await names(`q=${encodeURIComponent('%')}&tag=paged`)).toEqual(['paged-local']);
  });

  it('should import a published server.json, export it again unchanged, and update on re-import', async () => {
    const doc = fixture('server-filesystem');
    const imported = await t.request(acme, 'POST', '/api/v1/catalog/import', doc);
    expect(imported.status).toBe(200);
    const { created, entry } = imported.json<{ created: boolean; entry: CatalogEntry }>();
    expect(created).toBe(true);
    expect(entry).toMatchObject({
      name: 'io.github.modelcontextprotocol/server-filesystem',
      slug: 'server-filesystem',
    });

    const exported = (await t.request(acmeReader, 'GET', `/api/v1/catalog/${entry.id}/server.json`)).json();
    const { _meta, ...published } = exported as { _meta: Record<string, unknown> };
    expect(published).toEqual(doc);
    expect(Object.keys(_meta)).toEqual([PORTCULLIS_META_KEY]);

    const again = await t.request(acme, 'POST', '/api/v1/catalog/import', { ...doc, version: '2025.9.1' });
    expect(again.json()).toMatchObject({ created: false, entry: { id: entry.id, version: '2025.9.1' } });
    await t.waitForEvents(2, (e) => e.text.includes(entry.id));
    const updated = t.parsedEvents((text) => text.includes(entry.id));
    expect(updated.map((e) => [e.type, e.data.source])).toEqual([
      ['events.v1.registry.catalog.created', 'server.json'],
      ['events.v1.registry.catalog.updated', 'server.json'],
    ]);
  });

  it('should import the remote of a document on request and name the field of an invalid one', async () => {
    const remote = await t.request(acme, 'POST', '/api/v1/catalog/import?prefer=remote', fixture('github-oci'));
    expect(remote.json()).toMatchObject({ entry: { kind: 'remote', server: { auth: { type: 'bearer' } } } });
    const bad = await t.request(acme, 'POST', '/api/v1/catalog/import', {
      ...fixture('weather-remote'),
      name: 'weather',
    });
    expect(bad.status).toBe(400);
    expect(bad.json()).toMatchObject({ errors: [{ field: 'body.name' }] });
    const noServer = await t.request(acme, 'POST', '/api/v1/catalog/import', {
      name: 'a.b/c',
      description: 'd',
      version: '1',
    });
    expect(noServer.json()).toMatchObject({ status: 400, errors: [{ field: 'body.remotes' }] });
    expect((await t.request(acme, 'POST', '/api/v1/catalog/import?prefer=both', fixture('github-oci'))).status).toBe(
      400,
    );
    expect((await t.request(acme, 'POST', '/api/v1/catalog/import', '[1, 2]')).status).toBe(400);
  });

  it("should keep organisations apart: another organisation neither sees nor changes acme's entries", async () => {
    const entry = (await t.request(acme, 'POST', '/api/v1/catalog', remoteEntry('private-crm'))).json<CatalogEntry>();
    const listed = (await t.request(globex, 'GET', '/api/v1/catalog?limit=200')).json<{ items: unknown[] }>();
    expect(listed.items).toEqual([]);
    expect((await t.request(globex, 'GET', `/api/v1/catalog/${entry.id}`)).status).toBe(404);
    expect((await t.request(globex, 'GET', `/api/v1/catalog/${entry.id}/server.json`)).status).toBe(404);
    expect((await t.request(globex, 'PUT', `/api/v1/catalog/${entry.id}`, remoteEntry('hijack'))).status).toBe(404);
    expect((await t.request(globex, 'DELETE', `/api/v1/catalog/${entry.id}`)).status).toBe(404);
    // The same name is free in another organisation.
    expect((await t.request(globex, 'POST', '/api/v1/catalog', remoteEntry('private-crm'))).status).toBe(201);
    expect((await t.request(acme, 'GET', `/api/v1/catalog/${entry.id}`)).json()).toEqual(entry);
  });
});
