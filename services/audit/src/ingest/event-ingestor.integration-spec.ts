import { AppConfig } from '@portcullis/config';
import { BusConnection } from '@portcullis/messaging';
import { Metrics } from '@portcullis/observability';
import { eventually, testInfra, uniqueId } from '@portcullis/testing';
import { connect, type JetStreamClient, type NatsConnection } from 'nats';
import { ChainHasher } from '../chain/chain-hash';
import { verifyChain } from '../chain/verify-chain';
import type { AuditMaintenance } from '../retention/audit-maintenance.service';
import { AuditMetrics } from './audit-metrics';
import { EventBatchStore, type IncomingEvent } from './event-batch-store';
import { EventIngestor } from './event-ingestor.service';
import { auditTestEnv, auditTestSchema, silentLog } from './testing/audit-test-schema';
import { testEnvelope } from './testing/test-events';

const KEY = 'integration-test-chain-key';

describe(`${EventIngestor.name} (real NATS and Postgres)`, () => {
  const id = uniqueId('ai');
  const prefix = `${id}.`;
  const stream = `EVENTS_${id}`;
  let db: Awaited<ReturnType<typeof auditTestSchema>>;
  let nc: NatsConnection;
  let js: JetStreamClient;
  const running: { ingestor: EventIngestor; bus: BusConnection }[] = [];
  let published = 0;

  const publish = async (envelope: Record<string, unknown> | string) => {
    const text = typeof envelope === 'string' ? envelope : JSON.stringify(envelope);
    // A fresh msgID each time: a repeated envelope reaches audit again, as a redelivery would.
    await js.publish(`${prefix}events.v1.mcp.request`, new TextEncoder().encode(text), { msgID: `m${published++}` });
  };

  async function startIngestor(name: string): Promise<{ ingestor: EventIngestor; metrics: AuditMetrics }> {
    const bus = new BusConnection(
      {
        service: 'audit',
        instanceId: name,
        servers: testInfra().natsUrl,
        prefix,
        eventsStream: stream,
        eventsMaxAgeHours: 1,
      },
      silentLog,
    );
    const config = new AppConfig('audit', auditTestEnv({ AUDIT_BATCH_SIZE: '40', AUDIT_FETCH_SIZE: '100' }));
    const metrics = new AuditMetrics(new Metrics('audit', '0', name));
    const maintenance = { firstRun: Promise.resolve() } as unknown as AuditMaintenance;
    const ingestor = new EventIngestor(
      bus,
      await db.open(),
      metrics,
      config,
      new ChainHasher(KEY),
      maintenance,
      silentLog,
    );
    ingestor.onApplicationBootstrap();
    running.push({ ingestor, bus });
    return { ingestor, metrics };
  }

  const headSeq = async () => Number((await db.sql('SELECT seq FROM chain_head'))[0].seq);

  async function expectGapFreeChain(rows: number): Promise<void> {
    const [stats] = await db.sql(
      'SELECT count(*)::int AS n, count(DISTINCT id)::int AS ids, count(DISTINCT chain_seq)::int AS seqs, min(chain_seq)::int AS lo, max(chain_seq)::int AS hi FROM events',
    );
    expect(stats).toEqual({ n: rows, ids: rows, seqs: rows, lo: rows ? 1 : null, hi: rows || null });
    expect(await headSeq()).toBe(rows);
    const report = await verifyChain({ query: (text, params) => db.sql(text, params) }, new ChainHasher(KEY));
    expect(report).toEqual({ ok: true, checked: rows, headSeq: rows });
  }

  beforeAll(async () => {
    db = await auditTestSchema('audit_it', testInfra().databaseUrl);
    nc = await connect({ servers: testInfra().natsUrl });
    js = nc.jetstream();
  });

  afterEach(async () => {
    for (const { ingestor, bus } of running.splice(0)) {
      await ingestor.beforeApplicationShutdown();
      await bus.drain();
    }
  });

  afterAll(async () => {
    await (await nc.jetstreamManager()).streams.delete(stream).catch(() => undefined);
    await nc.close();
    await db.drop();
  });

  it('should store each event once, without chain gaps, however often it arrives', async () => {
    const { metrics } = await startIngestor('one');
    await eventually(
      async () =>
        (await nc.jetstreamManager()).streams.info(stream).then(
          () => true,
          () => false,
        ),
      10_000,
    );
    const events = Array.from({ length: 150 }, (_, i) => testEnvelope(i));
    // Every tenth event twice in a row: both copies usually land in the same batch.
    for (const [i, event] of events.entries()) {
      await publish(event);
      if (i % 10 === 0) await publish(event);
    }
    expect(await eventually(async () => (await headSeq()) === 150, 20_000)).toBe(true);
    // Redelivered later, among a new one.
    for (const event of events.slice(0, 30)) await publish(event);
    await publish(testEnvelope(1000));
    expect(await eventually(async () => (await headSeq()) === 151, 20_000)).toBe(true);
    expect(
      await eventually(
        async () => (await metrics.ingested.get()).values.find((v) => v.labels.outcome === 'duplicate')?.value === 45,
        10_000,
      ),
    ).toBe(true);
    await expectGapFreeChain(151);
  });

  it('should keep invalid envelopes and values Postgres refuses in dead_letters, and store the rest', async () => {
    await startIngestor('one');
    const before = await headSeq();
    await publish('not json at all');
    await publish({ ...testEnvelope(1), actor: { type: 'robot', id: 'r2' } });
    // Valid JSON for Node, but jsonb refuses \u0000: the batch is split until it stands alone.
    await publish({ ...testEnvelope(2), data: { text: 'nul\u0000byte' } });
    await publish(testEnvelope(3));
    expect(await eventually(async () => (await db.sql('SELECT 1 FROM dead_letters')).length === 3, 20_000)).toBe(true);
    expect(await eventually(async () => (await headSeq()) === before + 1, 10_000)).toBe(true);
    const errors = (await db.sql('SELECT error FROM dead_letters ORDER BY stream_sequence')).map((r) => r.error);
    expect(errors[0]).toBe('not JSON');
    expect(errors[1]).toContain('actor.type');
    expect(errors[2]).toContain('refused by Postgres');
    await expectGapFreeChain(before + 1);
  });

  it('should keep one gap-free chain when two ingestors share the consumer', async () => {
    const a = await startIngestor('a');
    const b = await startIngestor('b');
    const before = await headSeq();
    const events = Array.from({ length: 2_000 }, (_, i) => testEnvelope(i));
    for (let i = 0; i < events.length; i += 100) {
      await Promise.all(events.slice(i, i + 100).map((e) => publish(e)));
      await Promise.all(events.slice(i, i + 10).map((e) => publish(e))); // some arrive twice
    }
    expect(await eventually(async () => (await headSeq()) === before + 2_000, 60_000, 100)).toBe(true);
    const storedBy = async (m: AuditMetrics) =>
      (await m.ingested.get()).values.find((v) => v.labels.outcome === 'stored')?.value ?? 0;
    expect(await storedBy(a.metrics)).toBeGreaterThan(0);
    expect(await storedBy(b.metrics)).toBeGreaterThan(0);
    await expectGapFreeChain(before + 2_000);
  });

  it('should serialise concurrent batch stores on the chain head, overlapping batches included', async () => {
    const before = await headSeq();
    const stores = [
      new EventBatchStore((await db.open()).dataSource, new ChainHasher(KEY)),
      new EventBatchStore((await db.open()).dataSource, new ChainHasher(KEY)),
    ];
    const events: IncomingEvent[] = Array.from({ length: 600 }, (_, i) => ({
      subject: `${prefix}events.v1.mcp.request`,
      sequence: 1_000_000 + i,
      text: JSON.stringify(testEnvelope(i)),
      problems: [],
    }));
    // Each store gets every event, in overlapping windows, at the same time.
    await Promise.all(
      stores.map(async (store, s) => {
        for (let i = s * 25; i < events.length; i += 50) await store.store(events.slice(i, i + 75));
      }),
    );
    await expectGapFreeChain(before + 600);
  });

  it('should store a batch prepared before an overlapping batch committed once, by checking it again', async () => {
    const before = await headSeq();
    const store = new EventBatchStore((await db.open()).dataSource, new ChainHasher(KEY));
    const incoming = (n: number, sequence: number): IncomingEvent => ({
      subject: `${prefix}events.v1.mcp.request`,
      sequence,
      text: JSON.stringify(testEnvelope(n)),
      problems: [],
    });
    const shared = incoming(1, 2_000_000);
    const first = [incoming(2, 2_000_001), shared];
    const second = [{ ...shared, sequence: 2_000_002 }, incoming(3, 2_000_003)];
    // Prepared while `shared` was not stored yet; by the time it stores, the first batch has committed it.
    const prepared = await store.prepare(second);
    expect(prepared?.rows.every((row) => !row.seen)).toBe(true);
    expect(await store.store(first)).toMatchObject({ stored: 2, duplicates: 0 });
    expect(await store.storePrepared(prepared!)).toMatchObject({ stored: 1, duplicates: 1 });
    // A prepared batch with nothing in between takes the short way and is idempotent with the careful one.
    const third = [incoming(4, 2_000_004), incoming(5, 2_000_005)];
    expect(await store.storePrepared((await store.prepare(third))!)).toMatchObject({ stored: 2, duplicates: 0 });
    expect(await store.storePrepared((await store.prepare(third))!)).toMatchObject({ stored: 0, duplicates: 2 });
    // Invalid events are not prepared: they take the careful path that keeps dead letters.
    expect(await store.prepare([{ ...incoming(6, 2_000_006), problems: ['id: must be a UUID'] }])).toBeUndefined();
    await expectGapFreeChain(before + 5);
  });
});
