import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { processes, REPO_ROOT, serviceCatalogue, freeServicePort, testInfra, uniqueId } from '@portcullis/testing';
import { AckPolicy, connect, type JsMsg, type NatsConnection } from 'nats';
import { Client } from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { fmt } from '../lib/latency-stats';

const TOTAL = Number(process.env['BENCH_AUDIT_EVENTS'] ?? 200_000);
const BASELINE_TOTAL = Math.min(TOTAL, Number(process.env['BENCH_AUDIT_BASELINE_EVENTS'] ?? 30_000));

export interface IngestRow {
  path: string;
  events: number;
  seconds: number;
  perSecond: number;
}

function envelope(n: number): string {
  return JSON.stringify({
    id: uuidv7(),
    type: 'events.v1.mcp.request',
    occurredAt: new Date().toISOString(),
    tenant: n % 4 ? 'default' : 'acme',
    actor: { type: 'user', id: `user-${n % 200}` },
    traceparent: `00-${n.toString(16).padStart(32, '0')}-${'b'.repeat(16)}-01`,
    data: {
      gateway: 'default',
      server: `server-${n % 10}`,
      tool: `tool-${n % 40}`,
      outcome: n % 20 ? 'ok' : 'error',
      durationMs: n % 250,
      requestBytes: 300 + (n % 700),
      responseBytes: 1_000 + (n % 5_000),
    },
  });
}

async function prePublish(nc: NatsConnection, subject: string): Promise<void> {
  const js = nc.jetstream();
  const encoder = new TextEncoder();
  for (let start = 0; start < TOTAL; start += 2_000) {
    await Promise.all(
      Array.from({ length: Math.min(2_000, TOTAL - start) }, (_, i) => {
        const text = envelope(start + i);
        return js.publish(subject, encoder.encode(text), { msgID: (JSON.parse(text) as { id: string }).id });
      }),
    );
  }
}

/** Waits until `probe()` reaches `target`, timing from the first progress it sees; returns events per second. */
async function rateOf(probe: () => Promise<number>, target: number, timeoutMs: number): Promise<IngestRow> {
  const deadline = Date.now() + timeoutMs;
  let first: { at: number; value: number } | undefined;
  for (;;) {
    const value = await probe().catch(() => 0);
    const at = performance.now();
    if (!first && value > 0) first = { at, value };
    if (first && value >= target) {
      const seconds = (at - first.at) / 1_000;
      return { path: '', events: value - first.value, seconds, perSecond: (value - first.value) / seconds };
    }
    if (Date.now() > deadline) throw new Error(`only ${value} of ${target} events stored in time`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The audit service (from dist/) ingesting the pre-published backlog. */
async function measureAudit(natsUrl: string, databaseUrl: string, id: string, schema: string): Promise<IngestRow> {
  const def = serviceCatalogue.SERVICES.find((s) => s.name === 'audit')!;
  const service = processes.startService(def, {
    port: await freeServicePort(),
    env: {
      NATS_URL: natsUrl,
      DATABASE_URL: databaseUrl,
      DATABASE_SCHEMA: schema,
      BUS_PREFIX: `${id}.`,
      EVENTS_STREAM: `EVENTS_${id}`,
      AUDIT_CHAIN_KEY: 'bench-audit-chain-key-0123456789',
      LOG_LEVEL: 'warn',
      NODE_ENV: 'production',
    },
    logSink: process.env.BENCH_LOGS ? (line: string) => process.stderr.write(`${line}\n`) : () => undefined,
  });
  const pg = new Client({ connectionString: databaseUrl, options: `-c search_path=${schema}` });
  await pg.connect();
  try {
    const head = async () => Number((await pg.query<{ seq: string }>('SELECT seq FROM chain_head')).rows[0].seq);
    const row = await rateOf(head, TOTAL, 600_000);
    return { ...row, path: 'audit service (batched, hash chain, dedupe)' };
  } finally {
    await pg.end();
    await processes.stopAll([service], { timeoutMs: 10_000 });
  }
}

/** The naive way: one INSERT (own transaction) per event into the same table shape without the chain. */
async function measureBaseline(
  nc: NatsConnection,
  databaseUrl: string,
  id: string,
  schema: string,
): Promise<IngestRow> {
  const pg = new Client({ connectionString: databaseUrl, options: `-c search_path=${schema}` });
  await pg.connect();
  try {
    await pg.query(`CREATE SCHEMA ${schema}`);
    await pg.query(`
      CREATE TABLE events (
        id uuid NOT NULL, type text NOT NULL, occurred_at timestamptz NOT NULL, tenant text NOT NULL,
        actor_type text NOT NULL, actor_id text NOT NULL, traceparent text, data jsonb NOT NULL,
        stream_sequence bigint NOT NULL, ingested_at timestamptz NOT NULL DEFAULT now(),
        trace_id text GENERATED ALWAYS AS (substring(traceparent from 4 for 32)) STORED,
        gateway text GENERATED ALWAYS AS (data->>'gateway') STORED,
        server text GENERATED ALWAYS AS (data->>'server') STORED,
        tool text GENERATED ALWAYS AS (data->>'tool') STORED,
        outcome text GENERATED ALWAYS AS (data->>'outcome') STORED,
        duration_ms double precision GENERATED ALWAYS AS (
          CASE WHEN jsonb_typeof(data->'durationMs') = 'number' THEN (data->>'durationMs')::double precision END
        ) STORED,
        PRIMARY KEY (id, occurred_at)
      ) PARTITION BY RANGE (occurred_at)`);
    await pg.query('CREATE TABLE events_default PARTITION OF events DEFAULT');
    for (const index of [
      '(tenant, occurred_at, id)',
      '(tenant, type, occurred_at)',
      '(tenant, actor_id, occurred_at)',
      '(tenant, tool, occurred_at) WHERE tool IS NOT NULL',
      '(tenant, server, occurred_at) WHERE server IS NOT NULL',
      '(tenant, gateway, occurred_at) WHERE gateway IS NOT NULL',
      '(trace_id) WHERE trace_id IS NOT NULL',
    ]) {
      await pg.query(`CREATE INDEX ON events ${index}`);
    }
    const jsm = await nc.jetstreamManager();
    await jsm.consumers.add(`EVENTS_${id}`, { durable_name: 'baseline', ack_policy: AckPolicy.Explicit });
    const consumer = await nc.jetstream().consumers.get(`EVENTS_${id}`, 'baseline');
    const started = performance.now();
    let stored = 0;
    const messages = await consumer.consume({ max_messages: 1_000 });
    for await (const msg of messages as AsyncIterable<JsMsg>) {
      const e = JSON.parse(msg.string()) as {
        id: string;
        type: string;
        occurredAt: string;
        tenant: string;
        actor: { type: string; id: string };
        traceparent: string | null;
        data: unknown;
      };
      await pg.query(
        `INSERT INTO events (id, type, occurred_at, tenant, actor_type, actor_id, traceparent, data, stream_sequence)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING`,
        [
          e.id,
          e.type,
          e.occurredAt,
          e.tenant,
          e.actor.type,
          e.actor.id,
          e.traceparent,
          JSON.stringify(e.data),
          msg.seq,
        ],
      );
      msg.ack();
      if (++stored >= BASELINE_TOTAL) break;
    }
    messages.stop();
    const seconds = (performance.now() - started) / 1_000;
    return { path: 'baseline: one INSERT per event', events: stored, seconds, perSecond: stored / seconds };
  } finally {
    await pg.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
    await pg.end();
  }
}

/**
 * Audit ingestion throughput: the real audit service draining a backlog of pre-published events (validation,
 * de-duplication, hash chain, rollup triggers, batched inserts, ack after commit) against the naive baseline of
 * one INSERT per event into the same table shape without the chain, same stream, same Postgres, same run.
 */
export async function runIngestBench(): Promise<IngestRow[]> {
  const id = uniqueId('bench');
  const { natsUrl, databaseUrl } = testInfra();
  const schema = `audit_${id}`;
  const nc = await connect({ servers: natsUrl });
  try {
    const jsm = await nc.jetstreamManager();
    await jsm.streams.add({ name: `EVENTS_${id}`, subjects: [`${id}.events.v1.>`], duplicate_window: 120_000_000_000 });
    const publishStarted = performance.now();
    await prePublish(nc, `${id}.events.v1.mcp.request`);
    const publishSeconds = (performance.now() - publishStarted) / 1_000;
    process.stdout.write(`pre-published ${TOTAL} events in ${fmt(publishSeconds, 1)} s\n`);
    const audit = await measureAudit(natsUrl, databaseUrl, id, schema);
    const baseline = await measureBaseline(nc, databaseUrl, id, `baseline_${id}`);
    const rows = [baseline, audit];
    print(rows);
    writeFileSync(
      join(REPO_ROOT, 'tmp', 'bench-audit-ingest.json'),
      `${JSON.stringify({ at: new Date().toISOString(), rows }, null, 2)}\n`,
    );
    return rows;
  } finally {
    const pg = new Client({ connectionString: databaseUrl });
    await pg.connect();
    await pg.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await pg.end();
    await (await nc.jetstreamManager()).streams.delete(`EVENTS_${id}`).catch(() => undefined);
    await nc.close();
  }
}

function print(rows: IngestRow[]): void {
  const [baseline] = rows;
  const out = [
    '',
    'Audit ingestion: sustained events/s draining a pre-published backlog (same stream, same Postgres)',
    '',
    '| path | events | seconds | events/s | vs baseline |',
    '|---|---:|---:|---:|---:|',
    ...rows.map(
      (r) =>
        `| ${r.path} | ${r.events} | ${fmt(r.seconds, 1)} | ${fmt(r.perSecond, 0)} | ${fmt(r.perSecond / baseline.perSecond)} |`,
    ),
  ];
  process.stdout.write(`${out.join('\n')}\n\n`);
}
