import { PLATFORM_TENANT, serviceStarted } from '@portcullis/contracts';
import { Metrics } from '@portcullis/observability';
import pino from 'pino';
import type { BusConnection } from './bus-connection';
import { BusRequestError } from './bus-request.error';
import type { EventOutbox, OutboxEvent } from './event-outbox';
import { EventPublisher } from './event-publisher';

type Ack = 'ack' | 'no-ack';

/** A bus whose connection state and stream behaviour the test sets; records what reached the "stream". */
function fakeBus() {
  const state = { connected: true, ack: 'ack' as Ack, stream: [] as { subject: string; msgID: string }[] };
  const listeners: (() => void)[] = [];
  const js = {
    publish: (subject: string, _data: Uint8Array, opts: { msgID: string; timeout: number }) =>
      new Promise((resolve, reject) => {
        if (state.ack === 'ack') {
          state.stream.push({ subject, msgID: opts.msgID });
          resolve({ seq: state.stream.length, duplicate: false });
        } else setTimeout(() => reject(new Error('TIMEOUT')), opts.timeout);
      }),
  };
  const bus = {
    options: { prefix: 'p.' },
    jetstream: () => (state.connected ? js : undefined),
    onConnected: (listener: () => void) => listeners.push(listener),
  } as unknown as BusConnection;
  const reconnect = () => {
    state.connected = true;
    for (const listener of listeners) listener();
  };
  return { bus, state, reconnect };
}

/** An in-memory outbox with the semantics of the Postgres one (order, idempotent append, delete on ack). */
function memoryOutbox() {
  const rows: OutboxEvent[] = [];
  const state = { down: false, relayDown: false, appends: 0 };
  const outbox: EventOutbox = {
    append: (event) => {
      if (state.down) return Promise.reject(new Error('Postgres unreachable'));
      state.appends++;
      if (!rows.some((r) => r.id === event.id)) rows.push(event);
      return Promise.resolve();
    },
    relay: async (limit, send) => {
      if (state.down || state.relayDown) throw new Error('Postgres unreachable');
      const batch = rows.slice(0, limit);
      if (batch.length === 0) return 0;
      const acked = new Set(await send(batch));
      for (let i = rows.length - 1; i >= 0; i--) if (acked.has(rows[i].id)) rows.splice(i, 1);
      return batch.length;
    },
    pending: () => (state.down ? Promise.reject(new Error('Postgres unreachable')) : Promise.resolve(rows.length)),
  };
  return { outbox, rows, state };
}

const log = pino({ level: 'silent' });
const data = { service: 'svc', instanceId: 'i-1', version: '1.0.0', pid: 1, startupMs: 1 };
const options = { tenant: PLATFORM_TENANT, actor: { type: 'service' as const, id: 'svc' } };
const until = async (condition: () => boolean, timeoutMs = 3_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};

describe(EventPublisher.name, () => {
  const publishers: EventPublisher[] = [];
  const make = (bus: BusConnection, outbox?: EventOutbox) => {
    const metrics = new Metrics('svc', '0.0.0', 'test');
    const publisher = new EventPublisher(
      bus,
      metrics,
      outbox && { outbox, log, ackTimeoutMs: 50, relay: { idleMs: 20 } },
    );
    publishers.push(publisher);
    return { publisher, metrics };
  };
  const counter = async (metrics: Metrics, name: string, labels: Record<string, string>) => {
    const metric = await metrics.registry.getSingleMetric(name)!.get();
    const value = metric.values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l));
    return value?.value ?? 0;
  };

  afterEach(async () => {
    await Promise.all(publishers.splice(0).map((p) => p.close()));
  });

  it('should publish straight to the stream while it acknowledges, leaving the outbox alone', async () => {
    const { bus, state } = fakeBus();
    const { outbox, state: box } = memoryOutbox();
    const { publisher } = make(bus, outbox);
    const envelope = await publisher.publish(serviceStarted, data, options);
    expect(state.stream).toEqual([{ subject: `p.${serviceStarted.subject}`, msgID: envelope.id }]);
    expect(box.appends).toBe(0);
  });

  it('should write to the outbox at once when not connected, and relay in order once the bus is back', async () => {
    const { bus, state, reconnect } = fakeBus();
    const { outbox, rows } = memoryOutbox();
    const { publisher, metrics } = make(bus, outbox);
    state.connected = false;
    const started = Date.now();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await publisher.publish(serviceStarted, data, options)).id);
    expect(Date.now() - started).toBeLessThan(50); // no waiting for an ack timeout
    expect(rows.map((r) => r.id)).toEqual(ids);
    expect(state.stream).toEqual([]);
    reconnect();
    await until(() => rows.length === 0);
    expect(state.stream.map((m) => m.msgID)).toEqual(ids);
    expect(await counter(metrics, 'portcullis_outbox_events_total', { outcome: 'written' })).toBe(5);
    expect(await counter(metrics, 'portcullis_outbox_events_total', { outcome: 'relayed' })).toBe(5);
    expect(await counter(metrics, 'portcullis_events_published_total', { outcome: 'outboxed' })).toBe(5);
  });

  it('should write to the outbox when the ack does not come in time', async () => {
    const { bus, state } = fakeBus();
    const { outbox, rows } = memoryOutbox();
    const { publisher } = make(bus, outbox);
    state.ack = 'no-ack';
    const envelope = await publisher.publish(serviceStarted, data, options);
    expect(rows.map((r) => r.id)).toEqual([envelope.id]);
    expect(JSON.parse(rows[0].payload)).toMatchObject({ id: envelope.id, type: serviceStarted.subject, data });
    expect(rows[0].headers).toMatchObject({ 'Pc-Tenant': PLATFORM_TENANT, 'Pc-Actor': 'service:svc' });
  });

  it('should queue new events behind a backlog even when the stream acknowledges again', async () => {
    const { bus, state } = fakeBus();
    const { outbox, rows, state: box } = memoryOutbox();
    const { publisher } = make(bus, outbox);
    box.relayDown = true; // the backlog stays until the test lets the relay work
    state.ack = 'no-ack';
    const first = await publisher.publish(serviceStarted, data, options);
    state.ack = 'ack';
    const second = await publisher.publish(serviceStarted, data, options);
    expect(box.appends).toBe(2);
    expect(state.stream).toEqual([]);
    box.relayDown = false;
    await until(() => rows.length === 0);
    expect(state.stream.map((m) => m.msgID)).toEqual([first.id, second.id]);
    // Drained: the next event goes straight to the stream again.
    await until(
      () => !(publisher as unknown as { durable: { relay: { hasBacklog: boolean } } }).durable.relay.hasBacklog,
    );
    await publisher.publish(serviceStarted, data, options);
    expect(box.appends).toBe(2);
  });

  it('should go to the stream when the outbox is unreachable, and reject only when both are', async () => {
    const { bus, state } = fakeBus();
    const { outbox, state: box } = memoryOutbox();
    const { publisher } = make(bus, outbox);
    box.down = true;
    const envelope = await publisher.publish(serviceStarted, data, options);
    expect(state.stream.map((m) => m.msgID)).toEqual([envelope.id]);
    state.connected = false;
    await expect(publisher.publish(serviceStarted, data, options)).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      message: expect.stringContaining('neither the stream nor the outbox') as string,
    });
  });

  it('should reject at once without an outbox when not connected', async () => {
    const { bus, state } = fakeBus();
    const { publisher } = make(bus);
    state.connected = false;
    await expect(publisher.publish(serviceStarted, data, options)).rejects.toBeInstanceOf(BusRequestError);
    expect(publisher.hasOutbox).toBe(false);
  });

  it('should settle publishes under way before close() resolves', async () => {
    const { bus, state } = fakeBus();
    const { outbox, rows } = memoryOutbox();
    const { publisher } = make(bus, outbox);
    state.ack = 'no-ack';
    const pending = [1, 2, 3].map(() => publisher.publish(serviceStarted, data, options));
    await publisher.close();
    expect(rows).toHaveLength(3);
    await Promise.all(pending);
  });

  it('should reject an event that does not match its contract, storing nothing', async () => {
    const { bus, state } = fakeBus();
    const { outbox, rows } = memoryOutbox();
    const { publisher } = make(bus, outbox);
    const bad = { ...data, pid: 'one' } as unknown as typeof data;
    await expect(publisher.publish(serviceStarted, bad, options)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(state.stream).toEqual([]);
    expect(rows).toEqual([]);
  });
});
