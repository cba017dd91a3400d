import type { BusConnection } from '@portcullis/messaging';
import { Metrics } from '@portcullis/observability';
import type { Logger } from 'pino';
import { AUDIT_CONSUMER, ConsumerLag } from './consumer-lag';

const log = { debug: jest.fn() } as unknown as Logger;

function fakeBus(info: () => Promise<{ num_pending: number; num_ack_pending: number }>) {
  const consumers = { info: jest.fn(() => info()) };
  const nc = { jetstreamManager: jest.fn(() => Promise.resolve({ consumers })) };
  const bus = { connection: nc as unknown, options: { eventsStream: 'EVENTS_T' } };
  return { bus: bus as unknown as BusConnection & { connection: unknown }, nc, consumers };
}

describe(ConsumerLag.name, () => {
  const read = async (metrics: Metrics) =>
    (await metrics.registry.getSingleMetric('portcullis_audit_consumer_pending')!.get()).values.map((v) => [
      v.labels,
      v.value,
    ]);

  it('should report pending plus unacknowledged events of the audit consumer', async () => {
    const metrics = new Metrics('audit', '0.0.0', 'test');
    const { bus, nc, consumers } = fakeBus(() => Promise.resolve({ num_pending: 40, num_ack_pending: 2 }));
    const lag = new ConsumerLag(bus, metrics, log);
    await lag.poll();
    await lag.poll();
    expect(await read(metrics)).toEqual([[{ stream: 'EVENTS_T', consumer: AUDIT_CONSUMER }, 42]]);
    expect(consumers.info).toHaveBeenCalledWith('EVENTS_T', 'audit');
    expect(nc.jetstreamManager).toHaveBeenCalledTimes(1); // kept for the connection
  });

  it('should drop the series rather than report a stale or zero lag when it cannot be read', async () => {
    const metrics = new Metrics('audit', '0.0.0', 'test');
    let fail = false;
    const { bus } = fakeBus(() =>
      fail ? Promise.reject(new Error('consumer not found')) : Promise.resolve({ num_pending: 5, num_ack_pending: 0 }),
    );
    const lag = new ConsumerLag(bus, metrics, log);
    await lag.poll();
    expect(await read(metrics)).toHaveLength(1);
    fail = true;
    await lag.poll();
    expect(await read(metrics)).toEqual([]);
    fail = false;
    bus.connection = undefined;
    await lag.poll();
    expect(await read(metrics)).toEqual([]);
  });
});
