import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PLATFORM_TENANT, serviceStarted } from '@portcullis/contracts';
import { BusConnection, EventPublisher } from '@portcullis/messaging';
import { Metrics } from '@portcullis/observability';
import {
  CreateOutbox1732000000001,
  CreateServiceInstances1732000000000,
  Database,
  PostgresEventOutbox,
} from '@portcullis/persistence';
import { eventually, freeServicePort, testInfra, uniqueId } from '@portcullis/testing';
import { connect } from 'nats';
import { Client } from 'pg';
import pino from 'pino';

/**
 * The outbox as the kit wires it (EventPublisher + PostgresEventOutbox) against real Postgres and a nats-server this
 * file owns, so NATS can be stopped and restarted on the same port with its stream on disk.
 */

const log = pino({ level: 'silent' });
const NATS_BIN = ['/usr/sbin', '/usr/bin', '/usr/local/bin'].map((d) => join(d, 'nats-server')).find(existsSync);
const decoder = new TextDecoder();
const eventData = (i: number) => ({ service: 'svc', instanceId: 'i-1', version: '1.0.0', pid: 1, startupMs: i });
const publishOptions = { tenant: PLATFORM_TENANT, actor: { type: 'service' as const, id: 'svc' } };
const percentile = (values: number[], p: number) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((p / 100) * values.length))];

/**
 * A TCP relay the test can cut (every connection severed, new ones refused) or whose replies it can hold back (the
 * server receives everything, the client hears nothing until released: a lost acknowledgement).
 */
class TestProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private holding = false;
  private held: [Socket, Buffer][] = [];

  constructor(
    readonly port: number,
    private readonly targetPort: number,
  ) {}

  async up(): Promise<void> {
    const server = createServer((client) => {
      const upstream = createConnection({ host: '127.0.0.1', port: this.targetPort });
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => s.destroy());
      }
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
      client.pipe(upstream);
      upstream.on('data', (chunk: Buffer) => (this.holding ? this.held.push([client, chunk]) : client.write(chunk)));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.server = server;
  }

  async down(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  holdReplies(): void {
    this.holding = true;
  }

  releaseReplies(): void {
    this.holding = false;
    for (const [socket, chunk] of this.held.splice(0)) if (!socket.destroyed) socket.write(chunk);
  }
}

describe('event outbox (real Postgres, own nats-server)', () => {
  const id = uniqueId('ob');
  const infra = testInfra();
  let dir: string;
  let natsPort: number;
  let nats: ChildProcess | undefined;
  let admin: Client;
  const schemas: string[] = [];
  const cleanups: (() => Promise<void>)[] = [];
  let replicas = 0;

  const natsUrl = () => `nats://127.0.0.1:${natsPort}`;

  async function startNats(): Promise<void> {
    if (!NATS_BIN) throw new Error('nats-server is not installed');
    nats = spawn(NATS_BIN, ['-js', '-sd', join(dir, 'nats'), '-a', '127.0.0.1', '-p', String(natsPort)], {
      stdio: 'ignore',
    });
    const up = await eventually(
      () =>
        connect({ servers: natsUrl(), timeout: 500 }).then(
          (nc) => nc.close().then(() => true),
          () => false,
        ),
      10_000,
      100,
    );
    if (!up) throw new Error('nats-server did not start');
  }

  async function stopNats(): Promise<void> {
    const child = nats;
    nats = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  const outboxRows = async (schema: string) =>
    Number((await admin.query<{ n: string }>(`SELECT count(*) AS n FROM "${schema}".outbox`)).rows[0].n);

  /** Every event in the stream, in stream order: the event id inside and the Nats-Msg-Id it was stored under. */
  async function streamEvents(stream: string): Promise<{ id: string; msgId: string }[]> {
    const nc = await connect({ servers: natsUrl() });
    try {
      const jsm = await nc.jetstreamManager();
      const { state } = await jsm.streams.info(stream);
      const events: { id: string; msgId: string }[] = [];
      for (let seq = state.first_seq; seq <= state.last_seq && state.messages > 0; seq++) {
        const message = await jsm.streams.getMessage(stream, { seq });
        events.push({
          id: (JSON.parse(decoder.decode(message.data)) as { id: string }).id,
          msgId: message.header.get('Nats-Msg-Id'),
        });
      }
      return events;
    } finally {
      await nc.close();
    }
  }

  const counter = async (metrics: Metrics, name: string, outcome?: string) => {
    const metric = await metrics.registry.getSingleMetric(name)!.get();
    return metric.values.find((v) => !outcome || v.labels['outcome'] === outcome)?.value ?? 0;
  };

  /** One replica of a service as the kit builds it: its Postgres schema (with the outbox), its bus, its publisher. */
  async function replica(options: {
    schema: string;
    tag: string;
    natsUrl?: string;
    databaseUrl?: string;
    ackTimeoutMs?: number;
    batchSize?: number;
  }) {
    if (!schemas.includes(options.schema)) schemas.push(options.schema);
    const instance = `r${replicas++}`;
    const metrics = new Metrics('svc', '0.0.0', instance);
    const db = new Database(
      {
        url: options.databaseUrl ?? infra.databaseUrl,
        schema: options.schema,
        poolMax: 4,
        service: 'svc',
        migrations: [CreateServiceInstances1732000000000, CreateOutbox1732000000001],
      },
      log,
    );
    const bus = new BusConnection(
      {
        service: 'svc',
        instanceId: instance,
        servers: options.natsUrl ?? natsUrl(),
        prefix: `${id}${options.tag}.`,
        eventsStream: `EVENTS_${id}_${options.tag}`,
        eventsMaxAgeHours: 1,
      },
      log,
    );
    const events = new EventPublisher(bus, metrics, {
      outbox: new PostgresEventOutbox(db),
      log,
      ackTimeoutMs: options.ackTimeoutMs ?? 1_000,
      relay: { batchSize: options.batchSize ?? 200, idleMs: 200 },
    });
    cleanups.push(async () => {
      await events.close();
      // A bus still reconnecting would not drain (and would keep the process alive): let it reconnect first.
      await eventually(() => Promise.resolve(bus.jetstream() !== undefined), 10_000, 50);
      await bus.drain();
      await db.close();
    });
    await db.whenInitialised;
    expect(await eventually(() => Promise.resolve(bus.jetstream() !== undefined), 15_000, 50)).toBe(true);
    return { metrics, db, bus, events, stream: `EVENTS_${id}_${options.tag}` };
  }

  const disconnected = (bus: BusConnection) =>
    eventually(() => Promise.resolve(bus.jetstream() === undefined), 10_000, 20);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pc-outbox-'));
    natsPort = await freeServicePort();
    admin = new Client({ connectionString: infra.databaseUrl });
    await admin.connect();
    await startNats();
  });

  afterAll(async () => {
    if (!nats) await startNats().catch(() => undefined); // so the buses drain instead of waiting for a server
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
    for (const schema of schemas) await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.end();
    await stopNats();
    rmSync(dir, { recursive: true, force: true });
  });

  it('should keep events published while NATS is down and deliver them in order, once each, when it returns', async () => {
    const schema = `${id}_a`;
    const r = await replica({ schema, tag: 'a' });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await r.events.publish(serviceStarted, eventData(i), publishOptions)).id);
    expect(await outboxRows(schema)).toBe(0);

    await stopNats();
    expect(await disconnected(r.bus)).toBe(true);
    const latencies: number[] = [];
    for (let i = 5; i < 305; i++) {
      const started = performance.now();
      ids.push((await r.events.publish(serviceStarted, eventData(i), publishOptions)).id);
      latencies.push(performance.now() - started);
    }
    expect(await outboxRows(schema)).toBe(300);
    // About one INSERT each, not an acknowledgement timeout (1 s here).
    const p50 = percentile(latencies, 50);
    const p95 = percentile(latencies, 95);
    console.log(`publish while NATS is down: p50 ${p50.toFixed(2)} ms, p95 ${p95.toFixed(2)} ms (300 events)`);
    expect(p95).toBeLessThan(50);
    expect(
      await eventually(async () => (await counter(r.metrics, 'portcullis_outbox_pending_events')) === 300, 5_000),
    ).toBe(true);

    await startNats();
    expect(await eventually(async () => (await outboxRows(schema)) === 0, 30_000)).toBe(true);
    const stored = await streamEvents(r.stream);
    expect(stored.map((e) => e.id)).toEqual(ids);
    expect(stored.every((e) => e.msgId === e.id)).toBe(true);
    expect(await counter(r.metrics, 'portcullis_outbox_events_total', 'written')).toBe(300);
    expect(await counter(r.metrics, 'portcullis_outbox_events_total', 'relayed')).toBe(300);
    expect(
      await eventually(async () => (await counter(r.metrics, 'portcullis_outbox_pending_events')) === 0, 5_000),
    ).toBe(true);
    // Drained: events go straight to the stream again.
    const after = await r.events.publish(serviceStarted, eventData(305), publishOptions);
    expect(await outboxRows(schema)).toBe(0);
    expect((await streamEvents(r.stream)).at(-1)?.id).toBe(after.id);
  });

  it('should store an event once when its acknowledgement is lost and the relay sends it again', async () => {
    const schema = `${id}_b`;
    const proxy = new TestProxy(await freeServicePort(), natsPort);
    await proxy.up();
    cleanups.push(() => proxy.down());
    const r = await replica({ schema, tag: 'b', natsUrl: `nats://127.0.0.1:${proxy.port}`, ackTimeoutMs: 300 });

    proxy.holdReplies();
    const started = Date.now();
    const envelope = await r.events.publish(serviceStarted, eventData(1), publishOptions);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290); // it waited for the ack, then took the outbox
    expect(await outboxRows(schema)).toBe(1);
    // The stream got it all the same: only the acknowledgement was lost.
    expect(await eventually(async () => (await streamEvents(r.stream)).some((e) => e.id === envelope.id), 5_000)).toBe(
      true,
    );

    proxy.releaseReplies();
    expect(await eventually(async () => (await outboxRows(schema)) === 0, 15_000)).toBe(true);
    expect(await streamEvents(r.stream)).toEqual([{ id: envelope.id, msgId: envelope.id }]);
    expect(await counter(r.metrics, 'portcullis_outbox_events_total', 'relayed')).toBe(1);
  });

  it('should let two replicas drain one outbox together, each event relayed by exactly one of them', async () => {
    const schema = `${id}_c`;
    const a = await replica({ schema, tag: 'c', batchSize: 2 });
    const b = await replica({ schema, tag: 'c', batchSize: 2 });

    await stopNats();
    expect(await disconnected(a.bus)).toBe(true);
    expect(await disconnected(b.bus)).toBe(true);
    const ids = new Set<string>();
    const publishAll = async (r: typeof a, from: number) => {
      for (let i = from; i < from + 300; i++)
        ids.add((await r.events.publish(serviceStarted, eventData(i), publishOptions)).id);
    };
    await Promise.all([publishAll(a, 0), publishAll(b, 300)]);
    expect(await outboxRows(schema)).toBe(600);

    // Small batches make the drain take longer than the gap between the two reconnects, so both take part.
    await startNats();
    expect(await eventually(async () => (await outboxRows(schema)) === 0, 30_000)).toBe(true);
    const relayedByA = await counter(a.metrics, 'portcullis_outbox_events_total', 'relayed');
    const relayedByB = await counter(b.metrics, 'portcullis_outbox_events_total', 'relayed');
    // Had both relays sent one row, the sum would exceed 600 (the stream's dedupe would hide it; the counters don't).
    console.log(`two relays on one outbox: ${relayedByA} + ${relayedByB} events`);
    expect(relayedByA + relayedByB).toBe(600);
    expect(relayedByA).toBeGreaterThan(0);
    expect(relayedByB).toBeGreaterThan(0);
    const stored = await streamEvents(a.stream);
    expect(stored).toHaveLength(600);
    expect(new Set(stored.map((e) => e.msgId))).toEqual(ids);
  });

  it('should keep relaying after Postgres goes away and comes back, losing nothing', async () => {
    const schema = `${id}_d`;
    const pgUrl = new URL(infra.databaseUrl);
    const pgProxy = new TestProxy(await freeServicePort(), Number(pgUrl.port || 5432));
    await pgProxy.up();
    cleanups.push(() => pgProxy.down());
    pgUrl.hostname = '127.0.0.1';
    pgUrl.port = String(pgProxy.port);
    const r = await replica({ schema, tag: 'd', databaseUrl: pgUrl.toString() });

    await stopNats();
    expect(await disconnected(r.bus)).toBe(true);
    const ids: string[] = [];
    for (let i = 0; i < 50; i++) ids.push((await r.events.publish(serviceStarted, eventData(i), publishOptions)).id);
    expect(await outboxRows(schema)).toBe(50);

    await pgProxy.down();
    // Neither the stream nor the outbox: the one case publish rejects, and it says so at once.
    const started = Date.now();
    await expect(r.events.publish(serviceStarted, eventData(50), publishOptions)).rejects.toMatchObject({
      code: 'UNAVAILABLE',
    });
    expect(Date.now() - started).toBeLessThan(5_000);

    await startNats();
    expect(await eventually(() => Promise.resolve(r.bus.jetstream() !== undefined), 15_000, 50)).toBe(true);
    // The outbox is out of reach but the stream is back: the event goes straight there.
    ids.push((await r.events.publish(serviceStarted, eventData(51), publishOptions)).id);
    await new Promise((resolve) => setTimeout(resolve, 1_500)); // the relay fails meanwhile, and must not give up
    expect(await outboxRows(schema)).toBe(50);

    await pgProxy.up();
    expect(await eventually(async () => (await outboxRows(schema)) === 0, 30_000)).toBe(true);
    const stored = await streamEvents(r.stream);
    expect(new Set(stored.map((e) => e.id))).toEqual(new Set(ids));
    expect(stored).toHaveLength(51);
  });

  it('should have every accepted event in the stream or the outbox when close() returns', async () => {
    const schema = `${id}_e`;
    const r = await replica({ schema, tag: 'e' });
    await stopNats();
    expect(await disconnected(r.bus)).toBe(true);
    const publishes = Array.from({ length: 20 }, (_, i) =>
      r.events.publish(serviceStarted, eventData(i), publishOptions),
    );
    await r.events.close();
    expect(await outboxRows(schema)).toBe(20);
    await Promise.all(publishes);
    await startNats();
  });
});
