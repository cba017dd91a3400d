import { join } from 'node:path';
import type { AppConfig } from '@portcullis/config';
import type { PortcullisServer } from '@portcullis/contracts';
import { type BusClient, type BusConnection, BusRequestError } from '@portcullis/messaging';
import { REPO_ROOT } from '@portcullis/testing';
import pino from 'pino';
import type { OrchestratorEnv } from '../env';
import { ServerCatalog, SERVERS_TTL_MS } from './server-catalog';

const GATEWAY = '0190a7a0-0000-7000-8000-0000000000aa';
const server = (command: string): PortcullisServer => ({
  id: 'github',
  name: 'GitHub',
  runtime: { type: 'local', command, args: [], env: { TOKEN: 's3cret' }, network: { allow: [] }, limits: {} },
});

function setup(answer: () => Promise<unknown>) {
  const request = jest.fn(answer);
  let onMessage: ((error: unknown, msg: { subject: string }) => void) | undefined;
  const connection = {
    options: { prefix: 'p1.' },
    onConnected: (listener: (nc: unknown) => void) =>
      listener({ subscribe: (_subject: string, opts: { callback: typeof onMessage }) => (onMessage = opts.callback) }),
  } as unknown as BusConnection;
  const config = { get: () => join(REPO_ROOT, 'portcullis.yaml') } as unknown as AppConfig<OrchestratorEnv>;
  const catalog = new ServerCatalog(config, { request } as unknown as BusClient, connection, pino({ level: 'silent' }));
  catalog.onModuleInit();
  return { catalog, request, event: (subject: string) => onMessage!(null, { subject }) };
}

describe(ServerCatalog.name, () => {
  afterEach(() => jest.useRealTimers());

  it('should run registry gateways from the registry, cached until the TTL or a registry event', async () => {
    jest.useFakeTimers({ now: 1_000_000 });
    let command = 'github-mcp-server';
    const { catalog, request, event } = setup(() => Promise.resolve({ found: true, servers: [server(command)] }));
    expect(await catalog.find(GATEWAY, 'github')).toEqual(server('github-mcp-server'));
    expect(await catalog.find(GATEWAY, 'other')).toBeUndefined();
    expect(request).toHaveBeenCalledTimes(1);
    expect(request.mock.calls[0].slice(0, 2)).toMatchObject([
      { subject: 'registry.v1.gateway.servers' },
      { gatewayId: GATEWAY },
    ]);
    command = 'github-mcp-server-v2';
    event('p1.events.v1.registry.session.created');
    expect((await catalog.find(GATEWAY, 'github'))?.runtime).toMatchObject({ command: 'github-mcp-server' });
    event('p1.events.v1.registry.installation.updated');
    expect((await catalog.find(GATEWAY, 'github'))?.runtime).toMatchObject({ command: 'github-mcp-server-v2' });
    jest.setSystemTime(1_000_000 + SERVERS_TTL_MS + 1);
    await catalog.find(GATEWAY, 'github');
    expect(request).toHaveBeenCalledTimes(3);
  });

  it('should answer nothing for an unknown registry gateway', async () => {
    const { catalog } = setup(() => Promise.resolve({ found: false }));
    expect(await catalog.find(GATEWAY, 'github')).toBeUndefined();
  });

  it('should serve file gateways without the registry, and the last answer while the registry is away', async () => {
    let up = true;
    const { catalog, request } = setup(() =>
      up
        ? Promise.resolve({ found: true, servers: [server('x')] })
        : Promise.reject(new BusRequestError('NO_RESPONDERS', 'no responders', 'registry.v1.gateway.servers')),
    );
    expect((await catalog.find('default', 'everything'))?.runtime).toMatchObject({ command: 'mcp-server-everything' });
    expect(await catalog.find('default', 'github')).toBeUndefined();
    expect(request).not.toHaveBeenCalled();
    await catalog.find(GATEWAY, 'github');
    up = false;
    catalog.clear();
    expect(await catalog.find(GATEWAY, 'github')).toEqual(server('x'));
    await expect(catalog.find('0190a7a0-0000-7000-8000-0000000000cc', 'github')).rejects.toThrow('no responders');
  });
});
