import { join } from 'node:path';
import type { AppConfig } from '@portcullis/config';
import type { ResolvedGateway } from '@portcullis/contracts';
import { type BusClient, type BusConnection, BusRequestError } from '@portcullis/messaging';
import { REPO_ROOT } from '@portcullis/testing';
import pino from 'pino';
import type { AuthenticatedCaller } from '../../auth/authenticated-caller';
import type { GatewayEnv } from '../../env';
import { McpCatalog, REGISTRY_TTL_MS } from './mcp-catalog';

const caller: AuthenticatedCaller = {
  actor: 'u1',
  tenant: 'acme',
  roles: ['member'],
  permissions: ['gateways:use'],
  credential: { type: 'token', id: 't1' },
};
const resolved: ResolvedGateway = {
  id: '0190a7a0-0000-7000-8000-0000000000aa',
  slug: 'tools',
  name: 'Tools',
  organization: 'acme',
  prefixMode: 'on-conflict',
  untrustedContext: true,
  servers: [{ id: 'github', name: 'GitHub', installationId: '0190a7a0-0000-7000-8000-0000000000bb', tools: ['a'] }],
};

function setup(answer: () => Promise<unknown>) {
  const request = jest.fn(answer);
  let onMessage: ((error: unknown, msg: { subject: string }) => void) | undefined;
  const connection = {
    options: { prefix: 'p1.' },
    onConnected: (listener: (nc: unknown) => void) =>
      listener({ subscribe: (_subject: string, opts: { callback: typeof onMessage }) => (onMessage = opts.callback) }),
  } as unknown as BusConnection;
  const config = { get: () => join(REPO_ROOT, 'portcullis.yaml') } as unknown as AppConfig<GatewayEnv>;
  const catalog = new McpCatalog(config, { request } as unknown as BusClient, connection, pino({ level: 'silent' }));
  catalog.onModuleInit();
  return { catalog, request, event: (subject: string) => onMessage!(null, { subject }) };
}

describe(McpCatalog.name, () => {
  afterEach(() => jest.useRealTimers());

  it('should ask the registry once per caller and gateway while the answer is fresh', async () => {
    jest.useFakeTimers({ now: 1_000_000 });
    const { catalog, request } = setup(() => Promise.resolve({ found: true, allowed: true, gateway: resolved }));
    const first = await catalog.lookup('tools', caller);
    expect(first).toEqual({
      kind: 'found',
      gateway: {
        id: resolved.id,
        slug: 'tools',
        name: 'Tools',
        prefixMode: 'on-conflict',
        untrustedContext: true,
        servers: ['github'],
        tools: { github: ['a'] },
      },
    });
    await Promise.all([catalog.lookup('tools', caller), catalog.lookup('tools', caller)]);
    expect(request).toHaveBeenCalledTimes(1);
    expect(request.mock.calls[0].slice(0, 2)).toMatchObject([
      { subject: 'registry.v1.gateway.resolve' },
      { gateway: 'tools', caller: { actor: 'u1', tenant: 'acme', credential: { id: 't1' } } },
    ]);
    // Another caller is asked about on its own.
    await catalog.lookup('tools', { ...caller, actor: 'u2', credential: { type: 'token', id: 't2' } });
    expect(request).toHaveBeenCalledTimes(2);
    jest.setSystemTime(1_000_000 + REGISTRY_TTL_MS + 1);
    await catalog.lookup('tools', caller);
    expect(request).toHaveBeenCalledTimes(3);
    expect(catalog.byId(resolved.id)?.slug).toBe('tools');
    // Metrics, traces and events name it by organisation and slug, never by UUID; file gateways by their id.
    expect(catalog.labelOf(resolved.id)).toBe('acme/tools');
    expect(catalog.labelOf('default')).toBe('default');
  });

  it('should ask again at once after a gateway, installation, catalog or identity event', async () => {
    let allowed = true;
    const { catalog, request, event } = setup(() =>
      Promise.resolve(
        allowed
          ? { found: true, allowed, gateway: resolved }
          : { found: true, allowed, gateway: resolved, reason: 'not listed' },
      ),
    );
    await catalog.lookup('tools', caller);
    event('p1.events.v1.registry.session.created');
    await catalog.lookup('tools', caller);
    expect(request).toHaveBeenCalledTimes(1);
    allowed = false;
    event('p1.events.v1.registry.gateway.updated');
    expect(await catalog.lookup('tools', caller)).toEqual({ kind: 'forbidden', reason: 'not listed' });
    for (const subject of [
      'installation.updated',
      'catalog-entry.deleted',
      'team.updated',
      'role-assignment.created',
    ]) {
      event(`p1.events.v1.registry.${subject}`);
      await catalog.lookup('tools', caller);
    }
    expect(request).toHaveBeenCalledTimes(6);
  });

  it('should label gateways of the default organisation by their slug alone', async () => {
    const { catalog } = setup(() =>
      Promise.resolve({ found: true, allowed: true, gateway: { ...resolved, organization: 'default', slug: 'team' } }),
    );
    await catalog.lookup('team', { ...caller, tenant: 'default' });
    expect(catalog.labelOf(resolved.id)).toBe('team');
  });

  it('should answer missing for a gateway the registry does not know, even if the file declares it', async () => {
    const { catalog } = setup(() => Promise.resolve({ found: false }));
    expect(await catalog.lookup('default', caller)).toEqual({ kind: 'missing' });
  });

  it('should fall back to portcullis.yaml while no registry answers, and to the last answer when one existed', async () => {
    const { catalog, request } = setup(() =>
      Promise.reject(new BusRequestError('NO_RESPONDERS', 'no responders', 'registry.v1.gateway.resolve')),
    );
    expect(await catalog.lookup('default', caller)).toMatchObject({
      kind: 'found',
      gateway: { id: 'default', servers: ['everything', 'filesystem', 'memory'], tools: {} },
    });
    expect(await catalog.lookup('nope', caller)).toEqual({ kind: 'missing' });
    await catalog.lookup('default', caller);
    expect(request).toHaveBeenCalledTimes(2); // the fallback answer is reused for a while too

    let up = true;
    const flaky = setup(() =>
      up
        ? Promise.resolve({ found: true, allowed: true, gateway: resolved })
        : Promise.reject(new BusRequestError('HANDLER_FAILED', 'database down', 'registry.v1.gateway.resolve')),
    );
    await flaky.catalog.lookup('tools', caller);
    up = false;
    flaky.catalog.clear();
    expect(await flaky.catalog.lookup('tools', caller)).toMatchObject({ kind: 'found' });
    await expect(flaky.catalog.lookup('other', caller)).rejects.toThrow('database down');
  });
});
