import { aggregatePlan, topCallersPlan } from './audit-aggregates.query';
import { eventsPageSql } from './audit-events.query';
import { auditFilterSql, rollupDimsOf } from './audit-filter-sql';
import { bucketOf, bucketValueMs, HISTOGRAM_MAX_RELATIVE_ERROR } from './latency-histogram';
import { ROLLUP_TABLES, rollupFor } from './rollup-tables';
import { SqlParams } from './sql-params';

const HOSTILE = "x' OR '1'='1'; DROP TABLE events; --";

describe('audit filter SQL', () => {
  it('should put the tenant first and every value behind a placeholder', () => {
    const params = new SqlParams();
    const conditions = auditFilterSql(
      params,
      HOSTILE,
      { from: '2025-01-01T00:00:00.000001Z', tool: HOSTILE, actor: HOSTILE, traceId: 'a'.repeat(32) },
      'events',
    );
    expect(conditions).toEqual([
      'tenant = $1',
      'occurred_at >= $2::timestamptz',
      'actor_id = $3',
      'tool = $4',
      'trace_id = $5',
    ]);
    expect(params.values).toEqual([HOSTILE, '2025-01-01T00:00:00.000001Z', HOSTILE, HOSTILE, 'a'.repeat(32)]);
  });

  it('should map filters to rollup dimensions and pick the smallest rollup that has them', () => {
    const params = new SqlParams();
    const range = { from: new Date('2025-01-01T00:00:00Z'), to: new Date('2025-01-02T00:00:00Z') };
    const detail = rollupFor(['caller', 'outcome'])!;
    expect(detail.table).toBe('rollup_hourly_detail');
    expect(auditFilterSql(params, 't', { actor: 'ana', outcome: 'error' }, detail, range)).toEqual([
      'tenant = $1',
      'bucket_hour >= $2::timestamptz',
      'bucket_hour < $3::timestamptz',
      'caller = $4',
      'outcome = $5',
    ]);
    expect(rollupFor(['tool'])?.table).toBe('rollup_hourly');
    expect(rollupFor(['type', 'caller'])?.table).toBe('rollup_hourly_callers');
    expect(rollupFor(['caller', 'tool'])?.table).toBe('rollup_hourly_detail');
    expect(rollupDimsOf({ actor: 'ana', type: 'events.v1.mcp.request' })).toEqual(['type', 'caller']);
    expect(rollupDimsOf({ traceId: 'a'.repeat(32) })).toBeUndefined();
    expect(() => auditFilterSql(new SqlParams(), 't', { actor: 'ana' }, ROLLUP_TABLES[0])).toThrow(/actor/);
  });

  it('should never put a value into the text of any statement it builds', () => {
    const filter = {
      type: 'events.v1.mcp.request',
      gateway: HOSTILE,
      server: HOSTILE,
      tool: HOSTILE,
      outcome: HOSTILE,
    };
    const range = { from: new Date('2025-01-01T00:30:00Z'), to: new Date('2025-01-01T05:10:00Z') };
    const statements = [
      eventsPageSql(HOSTILE, {
        filter,
        order: 'desc',
        limit: 50,
        after: { occurredAt: '2025-01-01T00:00:00.000000Z', id: '01945f6e-1c2b-7a3d-8e4f-5a6b7c8d9e0f' },
      }),
      aggregatePlan(HOSTILE, { filter, bucket: 'hour', groupBy: 'tool', top: 5 }, range),
      aggregatePlan(
        HOSTILE,
        { filter: { ...filter, actor: HOSTILE }, bucket: 'minute', groupBy: 'caller', top: 5 },
        range,
      ),
      topCallersPlan(HOSTILE, { filter, limit: 7 }, range),
    ];
    for (const { sql, params } of statements) {
      expect(sql).not.toContain('DROP TABLE');
      expect(params).toContain(HOSTILE);
    }
  });

  it('should page newest first with a keyset condition and one row more than asked', () => {
    const { sql, params } = eventsPageSql('t', {
      filter: {},
      order: 'desc',
      limit: 50,
      after: { occurredAt: '2025-01-01T00:00:00.000000Z', id: '01945f6e-1c2b-7a3d-8e4f-5a6b7c8d9e0f' },
    });
    expect(sql).toContain('(occurred_at, id) < ($2::timestamptz, $3::uuid)');
    expect(sql).toContain('ORDER BY occurred_at DESC, id DESC LIMIT $4');
    expect(params).toEqual(['t', '2025-01-01T00:00:00.000000Z', '01945f6e-1c2b-7a3d-8e4f-5a6b7c8d9e0f', 51]);
    expect(eventsPageSql('t', { filter: {}, order: 'asc', limit: 10 }).sql).toContain(
      'ORDER BY occurred_at ASC, id ASC',
    );
  });

  it('should read rollups over whole hours for hour buckets and raw rows for minutes or trace ids', () => {
    const range = { from: new Date('2025-01-01T00:30:00Z'), to: new Date('2025-01-01T05:10:00Z') };
    const hourly = aggregatePlan('t', { filter: {}, bucket: 'hour', top: 10 }, range);
    expect(hourly).toMatchObject({
      source: 'rollup',
      from: new Date('2025-01-01T00:00:00Z'),
      to: new Date('2025-01-01T06:00:00Z'),
    });
    expect(hourly.sql).toMatch(/FROM rollup_hourly\s+UNION ALL[\s\S]*\) rollup_hourly WHERE/);
    // With every event folded in, the rollup alone answers; otherwise the pending events are added on.
    const folded = aggregatePlan('t', { filter: {}, bucket: 'hour', top: 10 }, range, {
      appliedSeq: '42',
      pendingSince: null,
    });
    expect(folded.sql).toContain('FROM rollup_hourly WHERE');
    expect(folded.sql).not.toContain('pending');
    const pending = aggregatePlan('t', { filter: {}, bucket: 'hour', top: 10 }, range, {
      appliedSeq: '42',
      pendingSince: new Date('2025-01-01T05:00:00Z'),
    });
    expect(pending.sql).toMatch(/chain_seq > \$\d+ AND occurred_at >= \$\d+/);
    expect(pending.params).toEqual(expect.arrayContaining(['42', new Date('2025-01-01T05:00:00Z')]));
    const byCaller = aggregatePlan('t', { filter: {}, bucket: 'day', groupBy: 'caller', top: 10 }, range);
    expect(byCaller.sql).toMatch(/FROM rollup_hourly_callers\s+UNION ALL[\s\S]*\) rollup_hourly_callers WHERE/);
    const errorsByCaller = aggregatePlan(
      't',
      { filter: { outcome: 'error' }, bucket: 'day', groupBy: 'caller', top: 10 },
      range,
    );
    expect(errorsByCaller.sql).toMatch(/FROM rollup_hourly_detail\s+UNION ALL[\s\S]*\) rollup_hourly_detail WHERE/);
    expect(aggregatePlan('t', { filter: {}, bucket: 'minute', top: 10 }, range)).toMatchObject({
      source: 'raw',
      ...range,
    });
    expect(aggregatePlan('t', { filter: { traceId: 'a'.repeat(32) }, bucket: 'hour', top: 10 }, range).source).toBe(
      'raw',
    );
  });
});

describe('latency histogram', () => {
  it('should report every value within the stated relative error', () => {
    for (const ms of [0.15, 0.9, 1, 3.3, 12, 47.5, 250, 999, 4_321, 60_000]) {
      const reported = bucketValueMs(bucketOf(ms));
      expect(Math.abs(reported - ms) / ms).toBeLessThanOrEqual(HISTOGRAM_MAX_RELATIVE_ERROR + 1e-12);
    }
    expect(HISTOGRAM_MAX_RELATIVE_ERROR).toBeCloseTo(0.0905, 4);
  });
});
