import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import {
  eventually,
  processes,
  REPO_ROOT,
  type ServiceHandle,
  startPlatform,
  type TestPlatform,
  testInfra,
} from '@portcullis/testing';
import { connect, type JetStreamClient, type NatsConnection } from 'nats';
import { Client } from 'pg';
import { v7 as uuidv7 } from 'uuid';

const TOTAL = 100_000;
const TENANT = 'e2e-exactly-once';
const CHAIN_KEY = 'e2e-audit-chain-key-0123456789';
const VERIFY_CLI = join(REPO_ROOT, 'dist/services/audit/src/verify-cli.js');

/**
 * Issue 5's "done when": 100,000 events published while the audit service is killed with SIGKILL twice in the
 * middle of ingesting them (and restarted each time); afterwards every event is stored exactly once, the chain
 * has no gap, the verifier says intact — and notices one row changed by hand.
 */
describe('audit: every event stored exactly once across crashes (e2e)', () => {
  let platform: TestPlatform;
  let nc: NatsConnection;
  let js: JetStreamClient;
  let pg: Client;
  let schema: string;

  const headSeq = async () => Number((await pg.query<{ seq: string }>('SELECT seq FROM chain_head')).rows[0].seq);
  const verify = (args: string[] = [], env: Record<string, string> = {}) =>
    spawnSync(process.execPath, [VERIFY_CLI, ...args], {
      encoding: 'utf8',
      timeout: 60_000,
      env: {
        PATH: process.env['PATH'],
        DATABASE_URL: testInfra().databaseUrl,
        DATABASE_SCHEMA: schema,
        AUDIT_CHAIN_KEY: CHAIN_KEY,
        ...env,
      },
    });

  async function publishAll(): Promise<void> {
    const encoder = new TextEncoder();
    const subject = `${platform.busPrefix}events.v1.mcp.request`;
    const publishOne = async (n: number) => {
      const id = uuidv7();
      const envelope = {
        id,
        type: 'events.v1.mcp.request',
        occurredAt: new Date().toISOString(),
        tenant: TENANT,
        actor: { type: 'user', id: `user-${n % 50}` },
        traceparent: null,
        data: {
          gateway: 'default',
          server: 'everything',
          tool: `tool-${n % 20}`,
          outcome: 'ok',
          durationMs: n % 97,
          n,
        },
      };
      // As EventPublisher does: the event id is the message id, so a retried publish is stored once by the stream.
      for (let attempt = 0; ; attempt++) {
        try {
          await js.publish(subject, encoder.encode(JSON.stringify(envelope)), { msgID: id, timeout: 10_000 });
          return;
        } catch (error) {
          if (attempt >= 5) throw error;
        }
      }
    };
    const WINDOW = 2_000;
    for (let start = 0; start < TOTAL; start += WINDOW) {
      await Promise.all(Array.from({ length: Math.min(WINDOW, TOTAL - start) }, (_, i) => publishOne(start + i)));
    }
  }

  /** SIGKILL once the chain passes `atLeast` rows (while events are still waiting), then start it again. */
  async function killMidIngestion(atLeast: number): Promise<number> {
    expect(await eventually(async () => (await headSeq()) >= atLeast, 60_000, 20)).toBe(true);
    const audit = platform.services.get('audit')!;
    audit.kill('SIGKILL');
    await audit.exited;
    const atKill = await headSeq();
    const restarted: ServiceHandle = platform.start('audit');
    await processes.waitReady(restarted.url, 60_000, { exited: restarted.exited });
    return atKill;
  }

  beforeAll(async () => {
    platform = await startPlatform({
      only: ['audit'],
      env: { LOG_LEVEL: 'info', AUDIT_CHAIN_KEY: CHAIN_KEY, AUDIT_ACK_WAIT_MS: '5000' },
    });
    schema = platform.schemaOf('audit')!;
    nc = await connect({ servers: testInfra().natsUrl });
    js = nc.jetstream();
    pg = new Client({ connectionString: testInfra().databaseUrl, options: `-c search_path=${schema}` });
    await pg.connect();
  });

  afterAll(async () => {
    await pg?.end();
    await nc?.close();
    await platform?.stop();
  });

  it('should hold all 100,000 events once each, in a gap-free chain the verifier finds intact', async () => {
    const publishing = publishAll();
    const firstKill = await killMidIngestion(10_000);
    const secondKill = await killMidIngestion(Math.max(50_000, firstKill + 10_000));
    await publishing;
    // Both kills happened with events still to store.
    expect(firstKill).toBeLessThan(TOTAL);
    expect(secondKill).toBeLessThan(TOTAL);

    const ours = async () =>
      (await pg.query<{ n: number }>('SELECT count(*)::int AS n FROM events WHERE tenant = $1', [TENANT])).rows[0].n;
    expect(await eventually(async () => (await ours()) >= TOTAL, 90_000, 250)).toBe(true);
    // Anything still redelivered after the last ack wait must not add a row.
    await new Promise((resolve) => setTimeout(resolve, 6_000));
    const { rows } = await pg.query<Record<string, number>>(
      `SELECT count(*) FILTER (WHERE tenant = $1)::int AS ours,
              count(DISTINCT id) FILTER (WHERE tenant = $1)::int AS ours_distinct,
              count(*)::int AS n, count(DISTINCT chain_seq)::int AS seqs,
              min(chain_seq)::int AS lo, max(chain_seq)::int AS hi
       FROM events`,
      [TENANT],
    );
    const stats = rows[0];
    expect(stats.ours).toBe(TOTAL);
    expect(stats.ours_distinct).toBe(TOTAL);
    // The service's own lifecycle events (one service-started per start) share the chain.
    expect(stats).toMatchObject({ seqs: stats.n, lo: 1, hi: stats.n });
    expect(await headSeq()).toBe(stats.n);

    const intact = verify();
    expect(intact.stderr).toBe('');
    expect(intact.status).toBe(0);
    expect(JSON.parse(intact.stdout)).toEqual({ ok: true, checked: stats.n, headSeq: stats.n });

    // One row changed by hand.
    const victim = 4_242;
    await pg.query(`UPDATE events SET data = jsonb_set(data, '{outcome}', '"error"') WHERE chain_seq = $1`, [victim]);
    const tampered = verify();
    expect(tampered.status).toBe(1);
    expect(JSON.parse(tampered.stdout)).toMatchObject({
      ok: false,
      checked: victim - 1,
      problem: { kind: 'modified', chainSeq: victim },
    });
  });

  it('should exit 2 on a usage or connection error', () => {
    expect(verify(['--limit', 'many']).status).toBe(2);
    expect(verify([], { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none' }).status).toBe(2);
    expect(verify([], { DATABASE_SCHEMA: 'no_such_schema' }).status).toBe(2);
  });
});
