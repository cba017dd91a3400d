import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { systemPing } from '@portcullis/contracts';
import { BusClient, BusConnection } from '@portcullis/messaging';
import { Metrics, startTracing } from '@portcullis/observability';
import { freeServicePort, processes, REPO_ROOT, serviceCatalogue, testInfra, uniqueId } from '@portcullis/testing';
import { connect } from 'nats';
import pino from 'pino';
import { fmt, measure, type RunStats } from '../lib/latency-stats';

const LEVELS = [
  { concurrency: 1, total: 3_000 },
  { concurrency: 8, total: 10_000 },
  { concurrency: 32, total: 20_000 },
];

/**
 * Bus round trips between two services — this process as the caller, using the same BusClient the gateway
 * uses, and the real orchestrator service as the responder — against a raw `nats` client and a raw responder
 * process doing the same exchange, in the same run on the same NATS server.
 */
async function main(): Promise<void> {
  const id = uniqueId('bench');
  const { natsUrl } = testInfra();
  const orchestratorDef = serviceCatalogue.SERVICES.find((s) => s.name === 'orchestrator')!;
  const port = await freeServicePort();
  const service = processes.startService(orchestratorDef, {
    port,
    env: {
      NATS_URL: natsUrl,
      BUS_PREFIX: `${id}.`,
      EVENTS_STREAM: `EVENTS_${id}`,
      LOG_LEVEL: 'warn',
      NODE_ENV: 'production',
    },
    logSink: () => undefined,
  });
  const responder = spawn(process.execPath, [join(__dirname, 'raw-echo-responder.js'), natsUrl, `${id}.raw.echo`], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const stopTracing = startTracing({ service: 'bench', version: '0', instanceId: id });
  const bus = new BusConnection(
    {
      service: 'bench',
      instanceId: id,
      servers: natsUrl,
      prefix: `${id}.`,
      eventsStream: `EVENTS_${id}`,
      eventsMaxAgeHours: 1,
    },
    pino({ level: 'silent' }),
  );
  const raw = await connect({ servers: natsUrl });
  try {
    await processes.waitReady(service.url, 60_000, { exited: service.exited });
    await new Promise<void>((resolve) => createInterface({ input: responder.stdout }).once('line', () => resolve()));
    await bus.ready();
    const client = new BusClient(bus, new Metrics('bench', '0', id));
    const payload = (i: number) => `call-${i}-${'x'.repeat(200)}`;
    const viaBus = (i: number) =>
      client.request(systemPing, { sentAt: new Date().toISOString(), payload: payload(i) }, { to: 'orchestrator' });
    const encoder = new TextEncoder();
    const viaRaw = (i: number) =>
      raw.request(
        `${id}.raw.echo`,
        encoder.encode(JSON.stringify({ sentAt: new Date().toISOString(), payload: payload(i) })),
        { timeout: 5_000 },
      );

    await measure(1_000, 8, viaBus); // warm up both paths (JIT, connections)
    await measure(1_000, 8, viaRaw);
    const rows: { concurrency: number; raw: RunStats; bus: RunStats }[] = [];
    for (const level of LEVELS) {
      const rawStats = await measure(level.total, level.concurrency, viaRaw);
      const busStats = await measure(level.total, level.concurrency, viaBus);
      rows.push({ concurrency: level.concurrency, raw: rawStats, bus: busStats });
    }
    print(rows);
    writeFileSync(
      join(REPO_ROOT, 'tmp', 'bench-bus.json'),
      `${JSON.stringify({ at: new Date().toISOString(), rows }, null, 2)}\n`,
    );
  } finally {
    await raw.close();
    await bus.drain();
    await stopTracing();
    responder.kill('SIGTERM');
    await processes.stopAll([service], { timeoutMs: 5_000 });
    const cleanup = await connect({ servers: natsUrl });
    await (await cleanup.jetstreamManager()).streams.delete(`EVENTS_${id}`).catch(() => undefined);
    await cleanup.close();
  }
}

function print(rows: { concurrency: number; raw: RunStats; bus: RunStats }[]): void {
  const out: string[] = [
    '',
    'Bus request/reply: BusClient → orchestrator service (validated, traced, Nest handler) vs raw nats client → raw responder',
    '',
    '| concurrency | path | requests | req/s | p50 ms | p95 ms | p99 ms | throughput vs raw | added p50 ms |',
    '|---:|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const { concurrency, raw, bus } of rows) {
    out.push(
      `| ${concurrency} | raw nats | ${raw.count} | ${fmt(raw.perSecond, 0)} | ${fmt(raw.p50)} | ${fmt(raw.p95)} | ${fmt(raw.p99)} | 1.00 | — |`,
    );
    out.push(
      `| ${concurrency} | portcullis bus | ${bus.count} | ${fmt(bus.perSecond, 0)} | ${fmt(bus.p50)} | ${fmt(bus.p95)} | ${fmt(bus.p99)} | ${fmt(bus.perSecond / raw.perSecond)} | ${fmt(bus.p50 - raw.p50)} |`,
    );
  }
  process.stdout.write(`${out.join('\n')}\n\n`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
