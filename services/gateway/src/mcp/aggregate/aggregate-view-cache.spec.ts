import type { PortcullisGateway } from '@portcullis/contracts';
import type { BusConnection } from '@portcullis/messaging';
import type { NatsConnection } from 'nats';
import { AggregateView } from './aggregate-view';
import { AggregateViewCache, LIST_MAX_AGE_MS, LOOKUP_MAX_AGE_MS } from './aggregate-view-cache';

/** A bus connection whose (re)connects and incoming change signals the test drives by hand. */
function fakeBus() {
  const listeners: ((nc: NatsConnection) => void)[] = [];
  let deliver: ((subject: string) => void) | undefined;
  let current: NatsConnection | undefined;
  const nc = {
    subscribe: (subject: string, { callback }: { callback: (e: unknown, msg: { subject: string }) => void }) => {
      expect(subject).toBe('t1.mcp.v1.session-changed.*');
      deliver = (s) => callback(null, { subject: s });
      return {};
    },
  } as unknown as NatsConnection;
  const connection = {
    options: { prefix: 't1.' },
    get connection() {
      return current;
    },
    onConnected: (listener: (nc: NatsConnection) => void) => listeners.push(listener),
  } as unknown as BusConnection;
  return {
    connection,
    connect: () => {
      current = nc;
      listeners.forEach((l) => l(nc));
    },
    disconnect: () => (current = undefined),
    signal: (upstreamSession: string) => deliver!(`t1.mcp.v1.session-changed.${upstreamSession}`),
  };
}

const gateway = (overrides: Partial<PortcullisGateway> = {}): PortcullisGateway =>
  ({ id: 'g', name: 'G', servers: ['a', 'b'], prefixMode: 'always', ...overrides }) as PortcullisGateway;
const view = () =>
  AggregateView.build('always', {
    tools: [{ server: 'a', items: [{ name: 't' }] }],
    prompts: [],
    resources: [],
    resourceTemplates: [],
  });

describe(AggregateViewCache.name, () => {
  let bus: ReturnType<typeof fakeBus>;
  let cache: AggregateViewCache;

  beforeEach(() => {
    bus = fakeBus();
    cache = new AggregateViewCache(bus.connection);
    bus.connect();
  });

  afterEach(() => jest.useRealTimers());

  const store = (token: string, upstreams: string[], options: { complete?: boolean; mark?: number } = {}) => {
    const built = view();
    cache.set(
      token,
      { view: built, gateway: gateway(), upstreams, complete: options.complete ?? true },
      options.mark ?? cache.mark(),
    );
    return built;
  };

  it('should serve lists from a view until one of its upstream sessions signals a change', () => {
    const built = store('tok', ['up-1', 'up-2']);
    expect(cache.get('tok', gateway(), 'list')).toBe(built);
    bus.signal('up-other');
    expect(cache.get('tok', gateway(), 'list')).toBe(built);
    bus.signal('up-2');
    expect(cache.get('tok', gateway(), 'list')).toBeUndefined();
    expect(cache.get('tok', gateway(), 'lookup')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('should not trust the lists of a view when a change arrived while it was being built', () => {
    const mark = cache.mark();
    bus.signal('up-1'); // arrives while the lists are being fetched
    const built = store('tok', ['up-1'], { mark });
    expect(cache.get('tok', gateway(), 'list')).toBeUndefined();
    expect(cache.get('tok', gateway(), 'lookup')).toBe(built);
  });

  it('should not trust the lists of a view some upstream failed to list', () => {
    const built = store('tok', ['up-1'], { complete: false });
    expect(cache.get('tok', gateway(), 'list')).toBeUndefined();
    expect(cache.get('tok', gateway(), 'lookup')).toBe(built);
  });

  it('should miss when the gateway changed what the view depends on, but not for a new object of the same gateway', () => {
    const built = store('tok', ['up-1']);
    expect(cache.get('tok', gateway(), 'list')).toBe(built);
    expect(cache.get('tok', gateway({ prefixMode: 'never' }), 'list')).toBeUndefined();
    expect(cache.get('tok', gateway({ servers: ['a'] }), 'lookup')).toBeUndefined();
  });

  it('should start empty after a reconnect, when signals may have been missed', () => {
    store('tok', ['up-1']);
    bus.connect();
    expect(cache.get('tok', gateway(), 'lookup')).toBeUndefined();
  });

  it('should keep views for lookups only while it is not listening for changes', () => {
    bus.disconnect();
    const built = store('tok', ['up-1']);
    expect(cache.get('tok', gateway(), 'list')).toBeUndefined();
    expect(cache.get('tok', gateway(), 'lookup')).toBe(built);
  });

  it('should let views age out, lookups sooner than lists', () => {
    jest.useFakeTimers({ now: 1_000_000 });
    const built = store('tok', ['up-1']);
    jest.setSystemTime(1_000_000 + LOOKUP_MAX_AGE_MS);
    expect(cache.get('tok', gateway(), 'lookup')).toBeUndefined();
    expect(cache.get('tok', gateway(), 'list')).toBe(built);
    jest.setSystemTime(1_000_000 + LIST_MAX_AGE_MS);
    expect(cache.get('tok', gateway(), 'list')).toBeUndefined();
  });

  it('should forget a deleted session so its upstreams no longer point at it', () => {
    store('tok', ['up-1']);
    cache.delete('tok');
    bus.signal('up-1');
    expect(cache.size).toBe(0);
  });
});
