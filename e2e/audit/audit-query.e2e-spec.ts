import { mcpRequestCompleted, type AuditEvent, type EventDataOf } from '@portcullis/contracts';
import { BusConnection, EventPublisher } from '@portcullis/messaging';
import { Metrics } from '@portcullis/observability';
import { eventually, httpJson, startPlatform, type TestPlatform } from '@portcullis/testing';
import pino from 'pino';

const TOOLS = ['read_file', 'write_file', 'search'];
const CALLERS = ['ana', 'bob', 'cyd'];

/** The audit API for analysts through the gateway: real events on the stream, ingested by the audit service. */
describe('audit query API (gateway + audit)', () => {
  let platform: TestPlatform;
  let bus: BusConnection;
  let events: EventPublisher;
  const published: { tenant: string; tool: string; actor: string }[] = [];

  const data = (
    tool: string,
    durationMs: number,
    outcome: 'ok' | 'error' = 'ok',
  ): EventDataOf<typeof mcpRequestCompleted> => ({
    gateway: 'default',
    server: 'everything',
    method: 'tools/call',
    tool,
    sessionId: null,
    durationMs,
    outcome,
    errorCode: null,
    requestBytes: 10,
    responseBytes: 20,
  });
  const publish = (tenant: string, tool: string, actor: string, durationMs = 5, outcome: 'ok' | 'error' = 'ok') =>
    events.publish(mcpRequestCompleted, data(tool, durationMs, outcome), {
      tenant,
      actor: { type: 'token', id: actor },
    });

  const api = <T>(path: string, init: RequestInit & { token?: string } = {}) =>
    httpJson<T>(`${platform.url('gateway')}${path}`, { token: platform.adminToken, timeoutMs: 20_000, ...init });

  beforeAll(async () => {
    platform = await startPlatform({ only: ['gateway', 'audit'] });
    bus = new BusConnection(
      {
        service: 'e2e',
        instanceId: platform.id,
        servers: platform.env['NATS_URL'],
        prefix: platform.busPrefix,
        eventsStream: platform.eventsStream,
        eventsMaxAgeHours: 1,
      },
      pino({ level: 'silent' }),
    );
    await bus.ready();
    await eventually(() => Promise.resolve(bus.jetstream() !== undefined), 10_000, 50);
    events = new EventPublisher(bus, new Metrics('e2e', '0', platform.id));
    for (let i = 0; i < 45; i++) {
      const tool = TOOLS[i % 3];
      const actor = CALLERS[i % 3 === 0 ? 0 : (i % 2) + 1];
      await publish('default', tool, actor, 1 + i, i % 9 === 0 ? 'error' : 'ok');
      published.push({ tenant: 'default', tool, actor });
    }
    // Another tenant's events, with a caller name and a tool the default tenant also has.
    for (let i = 0; i < 12; i++) await publish('rival', 'read_file', 'ana', 40_000);
    const stored = await eventually(async () => {
      const { body } = await api<{ events: unknown[] }>('/api/v1/audit/events?type=events.v1.mcp.request&limit=500');
      return body.events?.length === 45;
    }, 30_000);
    expect(stored).toBe(true);
  });

  afterAll(async () => {
    await bus?.drain();
    await platform?.stop();
  });

  async function listAll(query: string, limit: number): Promise<AuditEvent[]> {
    const all: AuditEvent[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: { events: AuditEvent[]; nextCursor: string | null } } = await api(
        `/api/v1/audit/events?${query}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(page.status).toBe(200);
      expect(page.body.events.length).toBeLessThanOrEqual(limit);
      all.push(...page.body.events);
      cursor = page.body.nextCursor;
    } while (cursor);
    return all;
  }

  it('should follow cursors to the end of a filtered list without loss or repetition, tenant’s own only', async () => {
    const reads = await listAll('type=events.v1.mcp.request&tool=read_file', 4);
    expect(reads).toHaveLength(published.filter((p) => p.tool === 'read_file').length);
    expect(new Set(reads.map((e) => e.id)).size).toBe(reads.length);
    expect(reads.every((e) => e.tenant === 'default' && (e.data as { tool: string }).tool === 'read_file')).toBe(true);
    const times = reads.map((e) => Date.parse(e.occurredAt));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    const bob = await listAll('type=events.v1.mcp.request&actor=bob&outcome=ok', 7);
    expect(bob.length).toBeGreaterThan(0);
    expect(bob.every((e) => e.actor.id === 'bob' && (e.data as { outcome: string }).outcome === 'ok')).toBe(true);
    const everything = await listAll('', 500);
    expect(everything.some((e) => e.tenant !== 'default')).toBe(false);
  });

  it('should export NDJSON and CSV matching the list, oldest first, as attachments', async () => {
    const listed = await listAll('type=events.v1.mcp.request', 500);
    const ndjson = await fetch(
      `${platform.url('gateway')}/api/v1/audit/export?format=ndjson&type=events.v1.mcp.request`,
      {
        headers: { authorization: `Bearer ${platform.adminToken}` },
      },
    );
    expect(ndjson.status).toBe(200);
    expect(ndjson.headers.get('content-type')).toContain('application/x-ndjson');
    expect(ndjson.headers.get('content-disposition')).toMatch(/^attachment; filename="audit-events-.+\.ndjson"$/);
    const lines = (await ndjson.text())
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as AuditEvent);
    expect(lines).toEqual([...listed].reverse());

    const csv = await fetch(`${platform.url('gateway')}/api/v1/audit/export?format=csv&type=events.v1.mcp.request`, {
      headers: { authorization: `Bearer ${platform.adminToken}` },
    });
    expect(csv.headers.get('content-type')).toContain('text/csv');
    expect(csv.headers.get('content-disposition')).toMatch(/\.csv"$/);
    const rows = (await csv.text()).trimEnd().split('\r\n');
    expect(rows[0]).toBe(
      'id,type,occurredAt,tenant,actorType,actorId,traceId,gateway,server,tool,outcome,durationMs,data',
    );
    expect(rows.slice(1).map((r) => r.split(',')[0])).toEqual([...listed].reverse().map((e) => e.id));
    expect(rows.slice(1).every((r) => r.split(',')[3] === 'default')).toBe(true);
  });

  it('should aggregate calls, errors and latency per tool, and rank the tenant’s callers', async () => {
    const { status, body } = await api<{
      precision: { source: string };
      series: { group: string; calls: number; errors: number; points: { p95: number | null }[] }[];
    }>('/api/v1/audit/aggregates?bucket=hour&groupBy=tool&type=events.v1.mcp.request');
    expect(status).toBe(200);
    expect(body.precision.source).toBe('rollup');
    const calls = Object.fromEntries(body.series.map((s) => [s.group, s.calls]));
    expect(calls).toEqual({ read_file: 15, write_file: 15, search: 15 });
    expect(body.series.reduce((n, s) => n + s.errors, 0)).toBe(5);
    // The rival tenant's 40-second read_file calls are not in the default tenant's percentiles.
    expect(Math.max(...body.series.flatMap((s) => s.points.map((p) => p.p95 ?? 0)))).toBeLessThan(100);

    const top = await api<{ callers: { caller: string; calls: number }[] }>(
      '/api/v1/audit/top-callers?type=events.v1.mcp.request&limit=2',
    );
    expect(top.status).toBe(200);
    const counts = CALLERS.map((c) => ({ caller: c, calls: published.filter((p) => p.actor === c).length }));
    counts.sort((a, b) => b.calls - a.calls || a.caller.localeCompare(b.caller));
    expect(top.body.callers.map(({ caller, calls: n }) => ({ caller, calls: n }))).toEqual(counts.slice(0, 2));
  });

  it('should tail a matching event published after connecting, and not a filtered-out one', async () => {
    const controller = new AbortController();
    const giveUp = setTimeout(() => controller.abort(), 60_000);
    const response = await fetch(`${platform.url('gateway')}/api/v1/audit/tail?tool=search&actor=cyd`, {
      headers: { authorization: `Bearer ${platform.adminToken}`, accept: 'text/event-stream' },
      signal: controller.signal,
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    const readUntil = async (pattern: RegExp, timeoutMs: number) => {
      const deadline = Date.now() + timeoutMs;
      while (!pattern.test(text)) {
        let timer: NodeJS.Timeout | undefined;
        const chunk: Awaited<ReturnType<typeof reader.read>> = await Promise.race([
          reader.read(),
          new Promise<never>((_, reject) => {
            timer = setTimeout(
              () => reject(new Error(`no ${pattern} in: ${text}`)),
              Math.max(0, deadline - Date.now()),
            );
          }),
        ]).finally(() => clearTimeout(timer));
        if (chunk.done) throw new Error(`stream ended: ${text}`);
        text += decoder.decode(chunk.value as Uint8Array, { stream: true });
      }
    };
    await readUntil(/: tailing/, 10_000);
    const otherTenant = await publish('rival', 'search', 'cyd');
    const otherTool = await publish('default', 'write_file', 'cyd');
    const match = await publish('default', 'search', 'cyd', 7);
    await readUntil(/\n\n/, 1); // the opening comment is complete
    await readUntil(new RegExp(match.id), 15_000);
    controller.abort();
    clearTimeout(giveUp);
    const delivered = [...text.matchAll(/^data: (.+)$/gm)].map((m) => JSON.parse(m[1]) as AuditEvent);
    expect(delivered.map((e) => e.id)).toEqual([match.id]);
    expect(text).not.toContain(otherTenant.id);
    expect(text).not.toContain(otherTool.id);
    expect(text).toContain(`id: ${match.id}\n`);
  });

  it('should name the bad field in a 400, refuse without a token, and verify the chain', async () => {
    const cases: [string, string][] = [
      ['/api/v1/audit/events?limit=0', 'query.limit'],
      ['/api/v1/audit/events?cursor=bogus', 'query.cursor'],
      ['/api/v1/audit/events?from=yesterday', 'query.from'],
      ['/api/v1/audit/events?tenant=rival', 'query'],
      ['/api/v1/audit/aggregates?bucket=week', 'query.bucket'],
      ['/api/v1/audit/aggregates?bucket=minute&from=2025-01-01T00:00:00Z&to=2025-01-02T00:00:00Z', 'query.from'],
      ['/api/v1/audit/export?format=xml', 'query.format'],
      ['/api/v1/audit/tail?traceId=xyz', 'query.traceId'],
    ];
    for (const [path, field] of cases) {
      const { status, headers, body } = await api<{ errors: { field: string }[] }>(path);
      expect({ path, status }).toEqual({ path, status: 400 });
      expect(headers.get('content-type')).toContain('application/problem+json');
      expect(body.errors.map((e) => e.field)).toContain(field);
    }
    for (const path of [
      '/api/v1/audit/events',
      '/api/v1/audit/export',
      '/api/v1/audit/tail',
      '/api/v1/audit/schemas',
    ]) {
      const { status } = await httpJson(`${platform.url('gateway')}${path}`);
      expect({ path, status }).toEqual({ path, status: 401 });
    }
    const verify = await api<{ ok: boolean; checked: number }>('/api/v1/audit/verify', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({}),
    });
    expect(verify.status).toBe(200);
    expect(verify.body).toMatchObject({ ok: true });
    expect(verify.body.checked).toBeGreaterThanOrEqual(57);
  });

  it('should publish the JSON Schema of every event type', async () => {
    const { status, body } = await api<{ events: { type: string; schema: string }[] }>('/api/v1/audit/schemas');
    expect(status).toBe(200);
    const request = body.events.find((e) => e.type === 'events.v1.mcp.request')!;
    const schema = await api<{ $schema: string; required: string[] }>(request.schema);
    expect(schema.body.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.body.required).toEqual(expect.arrayContaining(['id', 'type', 'tenant', 'data']));
    expect((await api('/api/v1/audit/schemas/events.v1.nope')).status).toBe(404);
  });
});
