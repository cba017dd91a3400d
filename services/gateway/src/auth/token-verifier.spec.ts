import type { RegistryCallerMessage } from '@portcullis/contracts';
import type { BusClient, BusConnection } from '@portcullis/messaging';
import { TokenVerifier, VERIFIED_TTL_MS } from './token-verifier';

const caller: RegistryCallerMessage = {
  actor: 'u1',
  tenant: 'acme',
  roles: ['member'],
  permissions: ['users:read'],
  credential: { type: 'token', id: 't1' },
};

function setup(answer: () => Promise<unknown>) {
  const request = jest.fn(answer);
  let onMessage: ((error: unknown, msg: { subject: string }) => void) | undefined;
  const connection = {
    options: { prefix: 'p1.' },
    onConnected: (listener: (nc: unknown) => void) =>
      listener({ subscribe: (_subject: string, opts: { callback: typeof onMessage }) => (onMessage = opts.callback) }),
  } as unknown as BusConnection;
  const verifier = new TokenVerifier({ request } as unknown as BusClient, connection);
  verifier.onModuleInit();
  return { verifier, request, event: (subject: string) => onMessage!(null, { subject }) };
}

describe(TokenVerifier.name, () => {
  afterEach(() => jest.useRealTimers());

  it('should ask the registry once per token within the TTL, then again', async () => {
    jest.useFakeTimers({ now: 1_000_000 });
    const { verifier, request } = setup(() => Promise.resolve({ valid: true, caller, expiresAt: null }));
    expect(await verifier.verify('pcl_a')).toEqual(caller);
    expect(await verifier.verify('pcl_a')).toEqual(caller);
    expect(request).toHaveBeenCalledTimes(1);
    jest.setSystemTime(1_000_000 + VERIFIED_TTL_MS + 1);
    await verifier.verify('pcl_a');
    expect(request).toHaveBeenCalledTimes(2);
  });

  it('should forget every answer when a revocation or another access change is announced', async () => {
    const { verifier, request, event } = setup(() => Promise.resolve({ valid: true, caller, expiresAt: null }));
    await verifier.verify('pcl_a');
    event('p1.events.v1.registry.catalog.created');
    await verifier.verify('pcl_a');
    expect(request).toHaveBeenCalledTimes(1);
    event('p1.events.v1.registry.token.revoked');
    await verifier.verify('pcl_a');
    expect(request).toHaveBeenCalledTimes(2);
    event('p1.events.v1.registry.role-assignment.deleted');
    await verifier.verify('pcl_a');
    expect(request).toHaveBeenCalledTimes(3);
  });

  it('should answer null for a refused token and cache nothing when the registry cannot be asked', async () => {
    const refused = setup(() => Promise.resolve({ valid: false, reason: 'revoked' }));
    expect(await refused.verifier.verify('pcl_b')).toBeNull();
    const down = setup(() => Promise.reject(new Error('no responders')));
    await expect(down.verifier.verify('pcl_c')).rejects.toThrow('no responders');
    await expect(down.verifier.verify('pcl_c')).rejects.toThrow('no responders');
    expect(down.request).toHaveBeenCalledTimes(2);
  });

  it('should not reuse an answer past the token’s own expiry', async () => {
    jest.useFakeTimers({ now: 2_000_000 });
    const expiresAt = new Date(2_000_000 + 1_000).toISOString();
    const { verifier, request } = setup(() => Promise.resolve({ valid: true, caller, expiresAt }));
    await verifier.verify('pcl_d');
    jest.setSystemTime(2_000_000 + 1_001);
    await verifier.verify('pcl_d');
    expect(request).toHaveBeenCalledTimes(2);
  });
});
