import { AppConfig } from '@portcullis/config';
import { portcullisFileSchema, type PortcullisFile } from '@portcullis/contracts';
import { Database } from '@portcullis/persistence';
import { testInfra, uniqueId } from '@portcullis/testing';
import pino from 'pino';
import { callerOf, type RegistryTestApp, startRegistryTestApp } from '../catalog/testing/registry-test-app';
import type { RegistryEnv } from '../env';
import type { Gateway } from '../gateways/gateway.schema';
import { GatewaysModule } from '../gateways/gateways.module';
import { GatewaysService } from '../gateways/gateways.service';
import { RegistryDb } from '../http/registry-db';
import { RegistryEvents } from '../http/registry-events';
import { GatewayResolveHandlers } from '../resolve/gateway-resolve.handlers';
import { ResolveModule } from '../resolve/resolve.module';
import { GitopsSeedService } from './gitops-seed.service';

const file = (servers: string[], gateways: { id: string; servers: string[]; name?: string }[]): PortcullisFile =>
  portcullisFileSchema.parse({
    version: 1,
    servers: servers.map((id) => ({
      id,
      name: `${id} server`,
      runtime: { type: 'local', command: `mcp-server-${id}`, args: ['stdio'], env: { MODE: id } },
    })),
    gateways: gateways.map((g) => ({ name: g.name ?? `${g.id} gateway`, prefixMode: 'always', ...g })),
  });

describe(GitopsSeedService.name, () => {
  let t: RegistryTestApp;
  let seed: GitopsSeedService;
  const admin = callerOf('default', ['*:*'], 'admin');

  beforeAll(async () => {
    t = await startRegistryTestApp(uniqueId('reggitops'), testInfra(), [GatewaysModule, ResolveModule]);
    // Built by hand (not as a provider) so the test decides when and what it applies.
    seed = new GitopsSeedService(
      t.app.get<AppConfig<RegistryEnv>>(AppConfig),
      t.app.get(Database),
      t.app.get(RegistryDb),
      t.app.get(RegistryEvents),
      t.app.get(GatewaysService),
      pino({ level: 'silent' }),
    );
  });
  afterAll(async () => t.close());

  const gateways = async () => (await t.request(admin, 'GET', '/api/v1/gateways')).json<{ items: Gateway[] }>().items;
  const registryEvents = () => t.events.filter((e) => e.subject.includes('events.v1.registry.')).length;

  it('should create catalog entries, ready installations and gateways, and change nothing when applied again', async () => {
    const report = await seed.apply(
      file(['everything', 'memory'], [{ id: 'default', servers: ['everything', 'memory'] }]),
    );
    expect(report).toEqual({
      created: ['server:everything', 'server:memory', 'gateway:default'],
      updated: [],
      deleted: [],
    });
    const [gateway] = await gateways();
    expect(gateway).toMatchObject({
      slug: 'default',
      managedBy: 'gitops',
      servers: [
        { serverId: 'everything', installationStatus: 'ready' },
        { serverId: 'memory', installationStatus: 'ready' },
      ],
    });
    const resolved = await t.app.get(GatewayResolveHandlers).servers({ gatewayId: gateway.id });
    expect(resolved.found && resolved.servers[0]).toEqual({
      id: 'everything',
      name: 'everything server',
      runtime: {
        type: 'local',
        command: 'mcp-server-everything',
        args: ['stdio'],
        env: { MODE: 'everything' },
        network: { allow: [] },
        limits: {},
      },
    });
    await t.waitForEvents(5, (e) => e.subject.includes('events.v1.registry.'));
    const before = registryEvents();
    const again = await seed.apply(
      file(['everything', 'memory'], [{ id: 'default', servers: ['everything', 'memory'] }]),
    );
    expect(again).toEqual({ created: [], updated: [], deleted: [] });
    await new Promise((r) => setTimeout(r, 200));
    expect(registryEvents()).toBe(before);
    expect(await gateways()).toEqual([gateway]);
  });

  it('should update what changed and prune what the file no longer declares, leaving API objects alone', async () => {
    const mine = (await t.request(admin, 'POST', '/api/v1/gateways', { name: 'Hand made' })).json<Gateway>();
    const report = await seed.apply(
      file(['everything'], [{ id: 'default', servers: ['everything'], name: 'Renamed' }]),
    );
    expect(report).toEqual({ created: [], updated: ['gateway:default'], deleted: ['server:memory'] });
    const catalog = (await t.request(admin, 'GET', '/api/v1/catalog')).json<{ items: { slug: string }[] }>().items;
    expect(catalog.map((e) => e.slug)).toEqual(['everything']);
    const all = await gateways();
    expect(all.map((g) => [g.slug, g.name, g.servers.map((s) => s.serverId)])).toEqual([
      ['default', 'Renamed', ['everything']],
      ['hand-made', 'Hand made', []],
    ]);
    const pruned = await seed.apply(file([], []));
    expect(pruned).toEqual({ created: [], updated: [], deleted: ['gateway:default', 'server:everything'] });
    expect((await gateways()).map((g) => g.id)).toEqual([mine.id]);
    expect(await t.sql('SELECT 1 FROM installations')).toEqual([]);
    expect(await t.sql('SELECT 1 FROM gitops_objects')).toEqual([]);
    await t.waitForEvents(1, (e) => e.subject.endsWith('gateway.deleted') && e.text.includes('"gitops"'));
  });

  it('should leave out a server the catalog cannot hold and apply the rest', async () => {
    const broken = file(['good', 'bad'], [{ id: 'mixed', servers: ['good', 'bad'] }]);
    const bad = broken.servers[1];
    if (bad.runtime.type === 'local') bad.runtime.env = { TOKEN: '{NOT_A_FIELD}' };
    const report = await seed.apply(broken);
    expect(report.created).toEqual(['server:good', 'gateway:mixed']);
    const mixed = (await gateways()).find((g) => g.slug === 'mixed');
    expect(mixed?.servers.map((s) => s.serverId)).toEqual(['good']);
    await seed.apply(file([], []));
  });
});
