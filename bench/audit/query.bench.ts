import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AppConfig } from '@portcullis/config';
import { Metrics } from '@portcullis/observability';
import { Database } from '@portcullis/persistence';
import { REPO_ROOT, testInfra, uniqueId } from '@portcullis/testing';
import pino from 'pino';
import { auditMigrations } from '../../services/audit/src/migrations/audit-migrations';
import { AuditAggregatesQuery } from '../../services/audit/src/query/audit-aggregates.query';
import { AuditEventsQuery } from '../../services/audit/src/query/audit-events.query';
import type { AuditEnv } from '../../services/audit/src/env';
import { AuditMetrics } from '../../services/audit/src/ingest/audit-metrics';
import { RollupApplier } from '../../services/audit/src/rollup/rollup-applier.service';
import { fmt, measure, type RunStats } from '../lib/latency-stats';

const ROWS = Number(process.env['AUDIT_BENCH_ROWS'] ?? 10_000_000);
const DAYS = 30;
const RUNS = 200;
const TENANTS = ['acme', 'globex', 'initech', 'umbrella'];
const DAY_MS = 86_400_000;

/**
 * The audit query API's two hot paths against a dedicated schema holding ROWS realistic events over 30 days
 * (4 tenants of 50/25/15/10 %, 2 gateways each, 8 servers, 50 tools and 50 callers per tenant with skewed use,
 * ~4 % failures, log-normal latencies), through the same query classes the audit service runs. The rollups are
 * filled by the same job that keeps them in production, after the rows are inserted.
 */
export async function runQueryBench(): Promise<void> {
  const schema = uniqueId('audit_bench');
  const db = new Database(
    { url: testInfra().databaseUrl, schema, poolMax: 2, service: 'audit-bench', migrations: auditMigrations },
    pino({ level: 'silent' }),
  );
  const sql = (text: string, params: unknown[] = []) => db.dataSource.query<unknown[]>(text, params);
  const end = Math.floor(Date.now() / DAY_MS) * DAY_MS + DAY_MS; // the data runs up to the end of today
  const start = end - DAYS * DAY_MS;
  try {
    await db.whenInitialised;
    const loadStarted = Date.now();
    await fill(db, sql, start, end);
    const loadSeconds = (Date.now() - loadStarted) / 1000;
    const [{ rollup, callers }] = (await sql(
      'SELECT (SELECT count(*) FROM rollup_hourly)::int AS rollup, (SELECT count(*) FROM rollup_hourly_callers)::int AS callers',
    )) as { rollup: number; callers: number }[];

    const events = new AuditEventsQuery(db);
    const aggregates = new AuditAggregatesQuery(db);
    const now = new Date(end - 3_600_000); // an hour before the data ends, as "now"
    const tenantOf = (i: number) => TENANTS[i % 2]; // the two largest tenants
    const toolOf = (i: number) => `tool-${String((i * 7) % 20).padStart(2, '0')}`;
    const cases: { name: string; run: (i: number) => Promise<unknown> }[] = [
      {
        name: 'page: tenant + tool + last 24 h, 50 rows',
        run: (i) =>
          events.page(tenantOf(i), {
            filter: { tool: toolOf(i), from: new Date(now.getTime() - DAY_MS).toISOString(), to: now.toISOString() },
            order: 'desc',
            limit: 50,
          }),
      },
      {
        name: 'aggregate: hourly by tool over 30 days (top 10)',
        run: (i) =>
          aggregates.aggregate(tenantOf(i), {
            filter: { from: new Date(now.getTime() - DAYS * DAY_MS).toISOString(), to: now.toISOString() },
            bucket: 'hour',
            groupBy: 'tool',
            top: 10,
          }),
      },
      {
        name: 'top callers over 30 days (10)',
        run: (i) =>
          aggregates.topCallers(tenantOf(i), {
            filter: { from: new Date(now.getTime() - DAYS * DAY_MS).toISOString(), to: now.toISOString() },
            limit: 10,
          }),
      },
      {
        name: 'aggregate: per minute, last hour, raw rows',
        run: (i) =>
          aggregates.aggregate(tenantOf(i), {
            filter: { from: new Date(now.getTime() - 3_600_000).toISOString(), to: now.toISOString() },
            bucket: 'minute',
            top: 10,
          }),
      },
    ];
    const results: { name: string; stats: RunStats }[] = [];
    for (const c of cases) {
      await measure(20, 1, c.run); // warm the cache and the connections
      results.push({ name: c.name, stats: await measure(RUNS, 1, c.run) });
    }
    print(results, { loadSeconds, rollup, callers });
    writeFileSync(
      join(REPO_ROOT, 'tmp', 'bench-audit-query.json'),
      `${JSON.stringify({ at: new Date().toISOString(), rows: ROWS, loadSeconds, rollup, callers, results }, null, 2)}\n`,
    );
  } finally {
    // AUDIT_BENCH_KEEP_SCHEMA=1 leaves the data for EXPLAIN ANALYZE (drop the printed schema by hand afterwards).
    if (process.env['AUDIT_BENCH_KEEP_SCHEMA'] === '1') process.stdout.write(`kept schema ${schema}\n`);
    else await sql(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
    await db.close();
  }
}

/**
 * Daily partitions, then one INSERT … SELECT generate_series per day with the events indexes dropped (and built
 * again at the end, as a bulk load would); then the chain head moves to the last row and the rollup job folds
 * everything in, as it would have while the events arrived.
 */
async function fill(
  db: Database,
  sql: (text: string, params?: unknown[]) => Promise<unknown[]>,
  start: number,
  end: number,
) {
  for (let day = start; day < end; day += DAY_MS) {
    const name = `events_bench_${new Date(day).toISOString().slice(0, 10).replaceAll('-', '')}`;
    await sql(
      `CREATE TABLE ${name} PARTITION OF events FOR VALUES FROM ('${new Date(day).toISOString()}') TO ('${new Date(day + DAY_MS).toISOString()}')`,
    );
  }
  const indexes = (await sql(
    "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'events' AND indexname NOT LIKE '%pkey'",
  )) as { indexname: string; indexdef: string }[];
  for (const index of indexes) await sql(`DROP INDEX ${index.indexname}`);
  const perDay = Math.ceil(ROWS / DAYS);
  for (let d = 0; d < DAYS; d++) {
    const first = d * perDay + 1;
    const last = Math.min(ROWS, (d + 1) * perDay);
    await sql(
      `INSERT INTO events (chain_seq, id, type, occurred_at, tenant, actor_type, actor_id, traceparent, data, stream_sequence, prev_hash, hash)
       SELECT g, md5('bench' || g)::uuid, 'events.v1.mcp.request',
              to_timestamp($3::float8 / 1000 + (g - $1)::float8 / ($2 - $1 + 1) * 86400 + random()),
              tenant, 'token', tenant || '-user-' || lpad(floor(power(random(), 2) * 50)::int::text, 2, '0'),
              '00-' || md5(g::text) || '-' || substr(md5(g::text || 's'), 1, 16) || '-01',
              jsonb_build_object(
                'gateway', tenant || '-gw-' || (tool_no % 2), 'server', 'server-' || (tool_no % 8),
                'method', CASE WHEN listing THEN 'tools/list' ELSE 'tools/call' END,
                'tool', CASE WHEN listing THEN NULL ELSE 'tool-' || lpad(tool_no::text, 2, '0') END,
                'sessionId', NULL, 'durationMs', round(duration::numeric, 3), 'outcome', outcome, 'errorCode', NULL,
                'requestBytes', 200 + tool_no * 10, 'responseBytes', 1000 + (g % 5000)),
              g, '\\x00', '\\x00'
       FROM (
         SELECT g,
                (ARRAY['acme', 'acme', 'acme', 'acme', 'acme', 'globex', 'globex', 'globex', 'initech', 'umbrella'])[1 + floor(random() * 10)::int] AS tenant,
                floor(power(random(), 1.5) * 50)::int AS tool_no,
                random() < 0.1 AS listing,
                exp(ln(20) + sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random())) AS duration,
                CASE WHEN r < 0.96 THEN 'ok' WHEN r < 0.985 THEN 'error' WHEN r < 0.995 THEN 'timeout' ELSE 'refused' END AS outcome
         FROM (SELECT g, random() AS r FROM generate_series($1::bigint, $2::bigint) g) s
       ) e`,
      [first, last, start + d * DAY_MS],
    );
    process.stdout.write(`\rloaded ${last.toLocaleString('en')} / ${ROWS.toLocaleString('en')} rows`);
  }
  process.stdout.write('\nbuilding indexes, analysing…\n');
  // pg_indexes describes a partitioned index as `ON ONLY events`, which would not build the partitions' indexes.
  for (const index of indexes) await sql(index.indexdef.replace(' ON ONLY ', ' ON '));
  await sql('UPDATE chain_head SET seq = $1', [ROWS]);
  process.stdout.write('folding the events into the rollups…\n');
  const applier = new RollupApplier(
    db,
    { get: () => 1_000_000 } as unknown as AppConfig<AuditEnv>,
    new AuditMetrics(new Metrics('audit-bench', '0', 'bench')),
    pino({ level: 'silent' }),
  );
  while ((await applier.applyOnce()).pending > 0);
  await sql('VACUUM ANALYZE events');
  await sql('VACUUM ANALYZE rollup_hourly');
  await sql('VACUUM ANALYZE rollup_hourly_callers');
  await sql('VACUUM ANALYZE rollup_hourly_detail');
}

function print(
  results: { name: string; stats: RunStats }[],
  info: { loadSeconds: number; rollup: number; callers: number },
) {
  const out = [
    '',
    `Audit queries over ${ROWS.toLocaleString('en')} events (${DAYS} days; loaded in ${fmt(info.loadSeconds, 0)} s; ` +
      `rollup rows: ${info.rollup.toLocaleString('en')} without callers, ${info.callers.toLocaleString('en')} with callers)`,
    '',
    '| query | runs | p50 ms | p95 ms | p99 ms | target p95 |',
    '|---|---:|---:|---:|---:|---:|',
    ...results.map(
      ({ name, stats }) =>
        `| ${name} | ${stats.count} | ${fmt(stats.p50)} | ${fmt(stats.p95)} | ${fmt(stats.p99)} | ${name.startsWith('page') || name.startsWith('aggregate: hourly') ? '≤ 100' : '—'} |`,
    ),
  ];
  process.stdout.write(`${out.join('\n')}\n\n`);
}
