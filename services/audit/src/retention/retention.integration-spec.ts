import { testInfra } from '@portcullis/testing';
import { ChainHasher } from '../chain/chain-hash';
import { verifyChain } from '../chain/verify-chain';
import { EventBatchStore } from '../ingest/event-batch-store';
import { auditTestSchema } from '../ingest/testing/audit-test-schema';
import { testEnvelope } from '../ingest/testing/test-events';
import { addDays, dayOf } from './partition-days';
import { listPartitions, PartitionManager } from './partition-manager';
import { RetentionJob } from './retention-job';

const KEY = 'integration-test-chain-key';
const DAY_MS = 86_400_000;

describe('audit partitions and retention (real Postgres)', () => {
  const hasher = new ChainHasher(KEY);
  const now = new Date();
  const daysAgo = (n: number) => new Date(now.getTime() - n * DAY_MS);
  let db: Awaited<ReturnType<typeof auditTestSchema>>;
  let store: EventBatchStore;
  let partitions: PartitionManager;
  let retention: RetentionJob;
  let seq = 0;

  /** Stores one batch whose events cycle through the given ages (in days), so partitions interleave in the chain. */
  const storeAged = async (ages: number[], count: number) => {
    const events = Array.from({ length: count }, (_, i) => ({
      subject: 'events.v1.mcp.request',
      sequence: ++seq,
      text: JSON.stringify(testEnvelope(i, { occurredAt: daysAgo(ages[i % ages.length]).toISOString() })),
      problems: [],
    }));
    await store.store(events);
  };
  const verify = () => verifyChain({ query: (text, params) => db.sql(text, params) }, hasher);
  const countIn = async (table: string) => Number((await db.sql(`SELECT count(*)::int AS n FROM ${table}`))[0].n);

  beforeAll(async () => {
    db = await auditTestSchema('audit_it', testInfra().databaseUrl);
    const { dataSource } = await db.open();
    store = new EventBatchStore(dataSource, hasher);
    partitions = new PartitionManager(dataSource);
    retention = new RetentionJob(dataSource, hasher);
  });

  afterAll(() => db.drop());

  it('should create partitions ahead, and move rows that waited in events_default into theirs', async () => {
    await storeAged([10, 9, 5, 0], 200);
    expect(await countIn('events_default')).toBe(200);
    // Two replicas at once: one does the work, the other skips (or finds nothing left to do).
    const [first, second] = await Promise.all([partitions.ensure(now, 3), partitions.ensure(now, 3)]);
    const created = [...(first ?? []), ...(second ?? [])];
    const expected = [10, 9, 5].map((n) => dayOf(daysAgo(n)));
    for (let d = -1; d <= 3; d++) expected.push(addDays(dayOf(now), d));
    expect(created.sort()).toEqual([...new Set(expected)].sort());
    expect((await listPartitions(await db.open().then((d) => d.dataSource))).map((p) => p.day).sort()).toEqual(
      [...new Set(expected)].sort(),
    );
    expect(await countIn('events_default')).toBe(0);
    expect(await countIn('events')).toBe(200);
    expect(await partitions.ensure(now, 3)).toEqual([]);
    await expect(verify()).resolves.toEqual({ ok: true, checked: 200, headSeq: 200 });
  });

  it('should drop partitions past retention, record their chain ranges, and keep the chain verifiable', async () => {
    await storeAged([10, 0, 9, 1], 100); // more islands in the old partitions
    const old = [10, 9].map((n) => `events_p${dayOf(daysAgo(n)).replaceAll('-', '')}`);
    const oldRows = (await countIn(old[0])) + (await countIn(old[1]));
    const dropped = await retention.run(now, 7);
    expect(dropped.sort()).toEqual(old.sort());
    const remaining = (await listPartitions((await db.open()).dataSource)).map((p) => p.name);
    for (const name of old) expect(remaining).not.toContain(name);
    const retired = await db.sql(
      'SELECT from_seq::int AS f, to_seq::int AS t, partition FROM chain_retired ORDER BY from_seq',
    );
    expect(retired.length).toBeGreaterThan(2);
    expect(retired.reduce((n, r) => n + Number(r.t) - Number(r.f) + 1, 0)).toBe(oldRows);
    expect(new Set(retired.map((r) => r.partition))).toEqual(new Set(old));
    expect(await countIn('events')).toBe(300 - oldRows);
    await expect(verify()).resolves.toEqual({ ok: true, checked: 300 - oldRows, headSeq: 300 });
    expect(await retention.run(now, 7)).toEqual([]);
    expect(await retention.run(now, 0)).toEqual([]);
  });

  it('should refuse a retention record edited to cover a deleted row', async () => {
    const [first] = await db.sql(
      'SELECT from_seq, to_seq, last_hash, partition, mac FROM chain_retired ORDER BY from_seq LIMIT 1',
    );
    await db.sql(`UPDATE chain_retired SET to_seq = to_seq + 1 WHERE from_seq = $1`, [first.from_seq]);
    await expect(verify()).resolves.toMatchObject({ ok: false, problem: { kind: 'deleted' } });
    await db.sql(`UPDATE chain_retired SET to_seq = $2 WHERE from_seq = $1`, [first.from_seq, first.to_seq]);
    await expect(verify()).resolves.toMatchObject({ ok: true });
  });
});
