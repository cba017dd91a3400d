import { request } from 'node:http';
import { PLATFORM_SERVICES, systemHealthSchema } from '@portcullis/contracts';
import { eventually, httpJson, startPlatform, type TestPlatform, testInfra } from '@portcullis/testing';
import { Client } from 'pg';
import { promtoolCheckMetrics } from './promtool';

/** The whole platform, started from its compiled entry points as `npm start` starts it. */
describe('platform (all seven services)', () => {
  let platform: TestPlatform;
  let bootMs: number;
  let pg: Client;

  beforeAll(async () => {
    const started = Date.now();
    platform = await startPlatform();
    bootMs = Date.now() - started;
    pg = new Client({ connectionString: testInfra().databaseUrl });
    await pg.connect();
  });

  afterAll(async () => {
    await pg?.end();
    await platform?.stop();
  });

  const gateway = () => platform.url('gateway');
  const api = <T>(path: string, init: RequestInit & { token?: string } = {}) =>
    httpJson<T>(`${gateway()}${path}`, { token: platform.adminToken, ...init });

  it('should bring every service to ready within two minutes', () => {
    expect([...platform.services.keys()].sort()).toEqual([...PLATFORM_SERVICES].sort());
    expect(bootMs).toBeLessThan(120_000);
  });

  it('should report every service ready through the gateway, asked over the bus', async () => {
    const { status, body } = await api('/api/v1/system/health');
    expect(status).toBe(200);
    const health = systemHealthSchema.parse(body);
    expect(health.status).toBe('ready');
    expect(health.services.map((s) => [s.name, s.status])).toEqual(PLATFORM_SERVICES.map((n) => [n, 'ready']));
    expect(health.services.find((s) => s.name === 'registry')?.checks).toEqual({
      nats: 'up',
      postgres: 'up',
      redis: 'up',
    });
  });

  it('should serve valid Prometheus text on /metrics of every service', async () => {
    for (const name of PLATFORM_SERVICES) {
      const response = await fetch(`${platform.url(name)}/metrics`);
      expect(response.headers.get('content-type')).toContain('text/plain');
      const text = await response.text();
      expect(text).toContain(`portcullis_service_info{version="0.1.0",instance=`);
      expect(text).toContain(`service="${name}"`);
      const lint = promtoolCheckMetrics(text);
      expect({ name, ...lint }).toEqual({ name, ok: true, output: '' });
    }
  });

  it('should carry a trace started in the gateway into the registry across NATS', async () => {
    const { status, body } = await api<{
      traceId: string;
      callerTraceId: string;
      service: string;
      tenant: string;
      actor: string;
    }>('/api/v1/system/ping/registry');
    expect(status).toBe(200);
    expect(body.service).toBe('registry');
    expect(body.callerTraceId).toMatch(/^[0-9a-f]{32}$/);
    expect(body.traceId).toBe(body.callerTraceId);
    expect({ tenant: body.tenant, actor: body.actor }).toEqual({ tenant: 'default', actor: 'admin' });
  });

  it('should continue a client trace (W3C traceparent) through the gateway into another service', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const { body } = await api<{ traceId: string }>('/api/v1/system/ping/audit', {
      headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
    });
    expect(body.traceId).toBe(traceId);
  });

  it('should refuse a missing or wrong token with 401, a challenge and problem details', async () => {
    const missing = await httpJson<{ status: number }>(`${gateway()}/api/v1/system/health`);
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe('Bearer realm="portcullis"');
    expect(missing.headers.get('content-type')).toContain('application/problem+json');
    const wrong = await httpJson(`${gateway()}/api/v1/auth/me`, { token: 'pc_admin_wrong' });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });

  it('should answer bad input and unknown routes with problem details, not a crash', async () => {
    const badService = await api<{ status: number; errors: { field: string }[] }>('/api/v1/system/ping/nope');
    expect(badService.status).toBe(400);
    expect(badService.body.errors[0].field).toBe('service');
    const unknown = await api<{ status: number; title: string }>('/api/v1/does-not-exist');
    expect(unknown.body).toMatchObject({ status: 404, title: 'Not Found' });
    // The gateway answers 413 from Content-Length alone, before any of the body arrives: send the headers only and
    // read that answer. (Writing the body as well races the server's close: an EPIPE may then come before the answer.)
    const tooBig = await new Promise<number>((resolve, reject) => {
      const req = request(`${gateway()}/api/v1/system/health`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': 5_000_000,
          authorization: `Bearer ${platform.adminToken}`,
        },
        timeout: 10_000,
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
        req.destroy();
      });
      req.on('timeout', () => req.destroy(new Error('no answer to an oversized request within 10 s')));
      req.on('error', reject);
      req.flushHeaders();
    });
    expect(tooBig).toBe(413);
    expect((await api('/api/v1/system/health')).status).toBe(200);
  });

  it('should store every service-started event in the audit schema, once each', async () => {
    const schema = platform.schemaOf('audit')!;
    const stored = await eventually(async () => {
      const { rows } = await pg.query(
        `SELECT data->>'service' AS service FROM "${schema}".events WHERE type = 'events.v1.system.service-started'`,
      );
      return rows.length === PLATFORM_SERVICES.length;
    }, 15_000);
    expect(stored).toBe(true);
    const { rows } = await pg.query(
      `SELECT data->>'service' AS service, count(*)::int AS n FROM "${schema}".events
        WHERE type = 'events.v1.system.service-started' GROUP BY 1 ORDER BY 1`,
    );
    expect(rows).toEqual([...PLATFORM_SERVICES].sort().map((service) => ({ service, n: 1 })));
  });

  it('should run each data-owning service on its own migrated schema', async () => {
    for (const name of ['registry', 'llm-proxy', 'guard', 'audit', 'apps']) {
      const schema = platform.schemaOf(name)!;
      const { rows } = await pg.query(`SELECT instance_id, stopped_at FROM "${schema}".service_instances`);
      expect(rows).toHaveLength(1);
    }
    const { rows } = await pg.query(`SELECT slug FROM "${platform.schemaOf('registry')}".organizations`);
    expect(rows).toEqual([{ slug: 'default' }]);
  });

  it('should keep the others ready when one service is killed with SIGKILL', async () => {
    const victim = platform.services.get('guard')!;
    victim.kill('SIGKILL');
    const status = await victim.exited;
    expect(status.signal).toBe('SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    for (const name of PLATFORM_SERVICES.filter((n) => n !== 'guard')) {
      const ready = await httpJson(`${platform.url(name)}/ready`);
      expect({ name, status: ready.status }).toEqual({ name, status: 200 });
    }
    const health = systemHealthSchema.parse((await api('/api/v1/system/health')).body);
    expect(health.status).toBe('degraded');
    expect(health.services.find((s) => s.name === 'guard')?.status).toBe('unreachable');
    // Started again, it rejoins without anyone else restarting.
    platform.start('guard');
    expect(
      await eventually(
        async () => systemHealthSchema.parse((await api('/api/v1/system/health')).body).status === 'ready',
        30_000,
      ),
    ).toBe(true);
  });

  it('should shut down gracefully on SIGTERM: exit 0, a service-stopped event, the instance stamped stopped', async () => {
    const apps = platform.services.get('apps')!;
    apps.kill('SIGTERM');
    expect(await apps.exited).toEqual({ code: 0, signal: null });
    const audit = platform.schemaOf('audit')!;
    const stored = await eventually(async () => {
      const { rows } = await pg.query(
        `SELECT 1 FROM "${audit}".events WHERE type = 'events.v1.system.service-stopped' AND data->>'service' = 'apps'`,
      );
      return rows.length === 1;
    }, 10_000);
    expect(stored).toBe(true);
    const { rows } = await pg.query<{ stopped_at: Date | null }>(
      `SELECT stopped_at FROM "${platform.schemaOf('apps')}".service_instances`,
    );
    expect(rows[0].stopped_at).toBeInstanceOf(Date);
  });
});
