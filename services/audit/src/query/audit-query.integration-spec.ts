import type { AuditEvent, AuditPosition } from '@portcullis/contracts';
import type { BusHandlerContext } from '@portcullis/messaging';
import type { Database } from '@portcullis/persistence';
import { v7 as uuidv7 } from 'uuid';
import { AppConfig } from '@portcullis/config';
import { Metrics } from '@portcullis/observability';
import { AuditMetrics } from '../ingest/audit-metrics';
import { auditTestEnv, auditTestSchema, silentLog } from '../ingest/testing/audit-test-schema';
import { RollupApplier } from '../rollup/rollup-applier.service';
import { AuditAggregatesQuery } from './audit-aggregates.query';
import { AuditEventsQuery } from './audit-events.query';
import { AuditQueryHandlers } from './audit-query.handlers';
import { bucketOf, bucketValueMs } from './latency-histogram';

const ctxOf = (tenant: string): BusHandlerContext => ({
  subject: 'test',
  caller: { tenant, actor: 'analyst' },
  traceId: null,
});
const BASE = Date.parse('2025-03-10T00:00:00Z');
const TOOLS = ['read', 'write', 'search'];
const CALLERS = ['ana', 'bob', 'cyd', 'dan'];

interface Seed {
  tenant: string;
  at: number;
  tool: string | null;
  caller: string;
  outcome: string;
  durationMs: number;
  traceId: string;
}

/** The audit query handlers on a migrated schema, rows inserted directly (the ingest path has its own tests). */
describe('audit query handlers (real Postgres)', () => {
  let schema: Awaited<ReturnType<typeof auditTestSchema>>;
  let db: Database;
  let handlers: AuditQueryHandlers;
  const seeds: Seed[] = [];

  beforeAll(async () => {
    schema = await auditTestSchema('audit_q');
    db = await schema.open();
    handlers = new AuditQueryHandlers(new AuditEventsQuery(db), new AuditAggregatesQuery(db));
    // Tenant "acme": 240 events over 6 hours; tenant "evil": the same shape with other callers and huge latencies.
    for (let i = 0; i < 240; i++) {
      const at = BASE + i * 90_000 + (i % 7) * 13;
      const common = { at, tool: i % 10 === 9 ? null : TOOLS[i % 3], outcome: i % 12 === 0 ? 'error' : 'ok' };
      seeds.push({
        ...common,
        tenant: 'acme',
        caller: CALLERS[i % 4],
        durationMs: 1 + (i % 50) * 2.5,
        traceId: trace(i),
      });
      seeds.push({ ...common, tenant: 'evil', caller: `evil-${i % 3}`, durationMs: 50_000, traceId: trace(i) });
    }
    // Two events in the same microsecond keep the keyset honest about ties.
    seeds.push({
      tenant: 'acme',
      at: BASE + 3_600_000,
      tool: 'read',
      caller: 'ana',
      outcome: 'ok',
      durationMs: 5,
      traceId: trace(999),
    });
    let seq = 0;
    for (const s of seeds) {
      await schema.sql(
        `INSERT INTO events (chain_seq, id, type, occurred_at, tenant, actor_type, actor_id, traceparent, data,
           stream_sequence, prev_hash, hash) VALUES ($1, $2, 'events.v1.mcp.request', $3, $4, 'token', $5, $6, $7, $1, '\\x00', '\\x00')`,
        [
          ++seq,
          uuidv7(),
          new Date(s.at).toISOString(),
          s.tenant,
          s.caller,
          `00-${s.traceId}-b7ad6b7169203331-01`,
          JSON.stringify({
            gateway: 'default',
            server: 'srv',
            tool: s.tool,
            method: 'tools/call',
            outcome: s.outcome,
            durationMs: s.durationMs,
          }),
        ],
      );
    }
  });

  afterAll(async () => {
    await schema?.drop();
  });

  const acme = () => seeds.filter((s) => s.tenant === 'acme');

  async function listAll(tenant: string, filter: Record<string, string>, limit: number): Promise<AuditEvent[]> {
    const all: AuditEvent[] = [];
    let after: AuditPosition | undefined;
    for (let pages = 0; pages < 1_000; pages++) {
      const page = await handlers.query({ filter, limit, order: 'desc', ...(after ? { after } : {}) }, ctxOf(tenant));
      all.push(...page.events);
      if (!page.next) return all;
      after = page.next;
    }
    throw new Error('pagination did not end');
  }

  it('should page through every matching event newest first, each once, and only the tenant’s own', async () => {
    const events = await listAll('acme', {}, 17);
    expect(events).toHaveLength(acme().length);
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
    expect(events.every((e) => e.tenant === 'acme')).toBe(true);
    const times = events.map((e) => Date.parse(e.occurredAt));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(events[0]).toMatchObject({
      type: 'events.v1.mcp.request',
      actor: { type: 'token' },
      data: { gateway: 'default' },
    });
    expect(events[0].occurredAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  });

  it('should apply every filter and the half-open time range', async () => {
    const from = new Date(BASE + 3_600_000).toISOString();
    const to = new Date(BASE + 7_200_000).toISOString();
    const filtered = await listAll('acme', { tool: 'read', actor: 'ana', outcome: 'ok', from, to }, 5);
    const expected = acme().filter(
      (s) =>
        s.tool === 'read' &&
        s.caller === 'ana' &&
        s.outcome === 'ok' &&
        s.at >= BASE + 3_600_000 &&
        s.at < BASE + 7_200_000,
    );
    expect(filtered.map((e) => Date.parse(e.occurredAt)).sort()).toEqual(expected.map((s) => s.at).sort());
    const byTrace = await listAll('acme', { traceId: trace(5) }, 50);
    expect(byTrace).toHaveLength(1);
    expect(await listAll('evil', { actor: 'ana' }, 50)).toEqual([]);
  });

  it('should aggregate hourly from the rollup with percentiles from the histogram, per tool', async () => {
    const result = await handlers.aggregate(
      {
        filter: { from: new Date(BASE).toISOString(), to: new Date(BASE + 6 * 3_600_000).toISOString() },
        bucket: 'hour',
        groupBy: 'tool',
        top: 10,
      },
      ctxOf('acme'),
    );
    expect(result.precision.source).toBe('rollup');
    expect(result.series.map((s) => s.group).sort()).toEqual([...TOOLS].sort());
    for (const series of result.series) {
      for (const point of series.points) {
        const start = Date.parse(point.t);
        const rows = acme().filter((s) => s.tool === series.group && s.at >= start && s.at < start + 3_600_000);
        expect(point.calls).toBe(rows.length);
        expect(point.errors).toBe(rows.filter((s) => s.outcome !== 'ok').length);
        const sorted = rows.map((s) => s.durationMs).sort((a, b) => a - b);
        const nearestRank = (q: number) => sorted[Math.ceil(q * sorted.length) - 1];
        expect(point.p50).toBe(round(bucketValueMs(bucketOf(nearestRank(0.5)))));
        expect(point.p99).toBe(round(bucketValueMs(bucketOf(nearestRank(0.99)))));
      }
    }
    // The other tenant's 50-second calls never leak into these percentiles.
    expect(Math.max(...result.series.flatMap((s) => s.points.map((p) => p.p99 ?? 0)))).toBeLessThan(1_000);
  });

  it('should aggregate minute buckets from raw rows with exact percentiles, overall', async () => {
    const from = BASE;
    const to = BASE + 3_600_000;
    const result = await handlers.aggregate(
      { filter: { from: new Date(from).toISOString(), to: new Date(to).toISOString() }, bucket: 'minute', top: 10 },
      ctxOf('acme'),
    );
    expect(result.precision).toEqual({ source: 'raw', maxRelativeError: 0 });
    expect(result.series).toHaveLength(1);
    expect(result.series[0].calls).toBe(acme().filter((s) => s.at >= from && s.at < to).length);
  });

  it('should keep aggregates, top callers and raw paths to the caller’s tenant', async () => {
    const filter = { from: new Date(BASE).toISOString(), to: new Date(BASE + 6 * 3_600_000).toISOString() };
    const byCaller = await handlers.aggregate({ filter, bucket: 'day', groupBy: 'caller', top: 10 }, ctxOf('acme'));
    expect(byCaller.series.map((s) => s.group).sort()).toEqual(CALLERS);
    const top = await handlers.topCallers({ filter, limit: 3 }, ctxOf('acme'));
    expect(top.callers.map((c) => c.caller)).toEqual(['ana', 'bob', 'cyd']);
    expect(top.callers[0].calls).toBe(acme().filter((s) => s.caller === 'ana').length);
    const rawTop = await handlers.topCallers({ filter: { ...filter, traceId: trace(7) }, limit: 10 }, ctxOf('acme'));
    expect(rawTop).toMatchObject({ precision: { source: 'raw' }, callers: [{ caller: CALLERS[7 % 4], calls: 1 }] });
    const evil = await handlers.topCallers({ filter, limit: 10 }, ctxOf('evil'));
    expect(evil.callers.map((c) => c.caller).sort()).toEqual(['evil-0', 'evil-1', 'evil-2']);
    expect(await handlers.topCallers({ filter, limit: 10 }, ctxOf('nobody'))).toMatchObject({ callers: [] });
  });

  it('should refuse a request without a caller scope and a range too long for its bucket', async () => {
    await expect(
      handlers.query({ filter: {}, limit: 10, order: 'desc' }, { subject: 'x', caller: undefined, traceId: null }),
    ).rejects.toThrow(/caller scope/);
    await expect(
      handlers.aggregate(
        { filter: { from: '2025-01-01T00:00:00Z', to: '2025-01-02T00:00:00Z' }, bucket: 'minute', top: 10 },
        ctxOf('acme'),
      ),
    ).rejects.toThrow(/at most 6 hours/);
  });

  it('should answer the same exact aggregates before and after the rollup job folds events in, each event once', async () => {
    const hourly = { filter: { from: iso(BASE), to: iso(BASE + 6 * 3_600_000) }, bucket: 'hour' as const, top: 10 };
    const perTool = { ...hourly, groupBy: 'tool' as const, top: 10 };
    const byCaller = { filter: { from: iso(BASE), to: iso(BASE + 6 * 3_600_000) }, limit: 10 };
    const read = async () => ({
      overall: await handlers.aggregate(hourly, ctxOf('acme')),
      tools: await handlers.aggregate(perTool, ctxOf('acme')),
      callers: await handlers.topCallers(byCaller, ctxOf('acme')),
    });
    // Nothing folded in yet: every answer comes from the pending events.
    expect(await schema.sql('SELECT count(*)::int AS n FROM rollup_hourly')).toEqual([{ n: 0 }]);
    const pendingOnly = await read();
    expect(pendingOnly.overall.series[0].calls).toBe(seeds.filter((seed) => seed.tenant === 'acme').length);
    await schema.sql('UPDATE chain_head SET seq = (SELECT max(chain_seq) FROM events)');

    // Two replicas' jobs at once, in small chunks: each chunk is taken by one of them.
    const appliers = [0, 1].map(
      () =>
        new RollupApplier(
          db,
          new AppConfig('audit', auditTestEnv({ AUDIT_ROLLUP_CHUNK: '100' })),
          new AuditMetrics(new Metrics('audit', '0', 'test')),
          silentLog,
        ),
    );
    let applied = 0;
    for (;;) {
      const outcomes = await Promise.all(appliers.map((applier) => applier.applyOnce()));
      applied += outcomes.reduce((sum, o) => sum + o.applied, 0);
      if (outcomes.every((o) => o.applied === 0 && o.pending === 0)) break;
    }
    expect(applied).toBe(seeds.length);
    const [counts] = await schema.sql(
      `SELECT (SELECT sum(calls)::int FROM rollup_hourly) AS rolled, (SELECT count(*)::int FROM events) AS stored,
              (SELECT applied_seq::int FROM rollup_state) AS applied_seq`,
    );
    expect(counts).toEqual({ rolled: seeds.length, stored: seeds.length, applied_seq: seeds.length });
    expect(await read()).toEqual(pendingOnly);

    // Half folded in, half pending: still the same answers.
    await schema.sql('UPDATE rollup_state SET applied_seq = 0');
    await schema.sql('TRUNCATE rollup_hourly, rollup_hourly_callers, rollup_hourly_detail');
    await schema.sql(`UPDATE chain_head SET seq = ${Math.floor(seeds.length / 2)}`);
    while ((await appliers[0].applyOnce()).applied > 0);
    expect(await read()).toEqual(pendingOnly);
  });
});

const iso = (ms: number): string => new Date(ms).toISOString();

function trace(i: number): string {
  return i.toString(16).padStart(32, '0');
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
