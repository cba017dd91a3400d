import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, type WriteStream, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { PLATFORM_SERVICES } from '@portcullis/contracts';
import { eventually, freeServicePort, REPO_ROOT, startPlatform, type TestPlatform } from '@portcullis/testing';
import { parse, stringify } from 'yaml';
import { gatewayClient } from '../mcp/mcp-clients';
import {
  dashboardQueries,
  exposedFamilies,
  grafanaToPromQL,
  namesUsed,
  PROMETHEUS_DIR,
  RULES_FILE,
  ruleQueries,
  sampleNames,
} from './promql';

const PROMETHEUS = '/usr/bin/prometheus';

interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

/**
 * The real Prometheus (Debian's package) scraping every service of a running platform, with the scrape job of
 * deploy/prometheus/prometheus.yml pointed at the test's ports.
 */
describe('Prometheus scraping the platform', () => {
  let platform: TestPlatform;
  let prometheus: ChildProcess | undefined;
  let log: WriteStream | undefined;
  let dir: string;
  let api: string;
  const clients: Client[] = [];

  /** deploy/prometheus/prometheus.yml with each compose target replaced by the service's test port. */
  function testConfig(): string {
    const config = parse(readFileSync(join(PROMETHEUS_DIR, 'prometheus.yml'), 'utf8')) as {
      global: Record<string, string>;
      rule_files: string[];
      scrape_configs: { static_configs?: { targets: string[]; labels?: Record<string, string> }[] }[];
    };
    config.global = { ...config.global, scrape_interval: '1s', evaluation_interval: '1s' };
    config.rule_files = [RULES_FILE];
    for (const job of config.scrape_configs)
      for (const group of job.static_configs ?? []) {
        const service = group.labels?.service;
        if (!service || !platform.services.has(service)) throw new Error(`no test port for ${group.targets.join()}`);
        group.targets = [new URL(platform.url(service)).host];
      }
    return stringify(config);
  }

  const query = async (promql: string): Promise<{ status: string; error?: string; data?: { result: Sample[] } }> => {
    const response = await fetch(`${api}/api/v1/query?query=${encodeURIComponent(promql)}`, {
      signal: AbortSignal.timeout(5_000),
    });
    return (await response.json()) as { status: string; error?: string; data?: { result: Sample[] } };
  };
  const series = async (promql: string): Promise<Sample[]> => (await query(promql)).data?.result ?? [];

  beforeAll(async () => {
    platform = await startPlatform({ env: { PORTCULLIS_FILE: join(REPO_ROOT, 'portcullis.yaml') } });
    dir = mkdtempSync(join(tmpdir(), 'portcullis-prometheus-'));
    writeFileSync(join(dir, 'prometheus.yml'), testConfig());
    const port = await freeServicePort();
    api = `http://127.0.0.1:${port}`;
    log = createWriteStream(join(platform.logDir, 'prometheus.log'));
    prometheus = spawn(
      PROMETHEUS,
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    prometheus.stdout?.pipe(log, { end: false });
    prometheus.stderr?.pipe(log, { end: false });
    const ready = await eventually(async () => (await fetch(`${api}/-/ready`)).ok, 30_000);
    if (!ready) throw new Error(`Prometheus did not become ready; see ${join(platform.logDir, 'prometheus.log')}`);
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
    if (prometheus && prometheus.exitCode === null) {
      const exited = new Promise((resolve) => prometheus!.once('exit', resolve));
      prometheus.kill('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
      if (prometheus.exitCode === null) prometheus.kill('SIGKILL');
    }
    log?.end();
    if (dir) rmSync(dir, { recursive: true, force: true });
    await platform?.stop();
  });

  it('should see every service as an up target', async () => {
    const targets = async () => {
      const response = await fetch(`${api}/api/v1/targets?state=active`);
      const body = (await response.json()) as {
        data: { activeTargets: { labels: Record<string, string>; health: string; lastError: string }[] };
      };
      return body.data.activeTargets;
    };
    const allUp = await eventually(async () => {
      const active = await targets();
      return active.length === PLATFORM_SERVICES.length && active.every((t) => t.health === 'up');
    }, 60_000);
    expect({ allUp, targets: allUp ? [] : await targets() }).toEqual({ allUp: true, targets: [] });
    expect((await targets()).map((t) => t.labels.service).sort()).toEqual([...PLATFORM_SERVICES].sort());

    const up = await series('up{job="portcullis"}');
    expect(up.map((s) => [s.metric.service, s.value[1]]).sort()).toEqual(
      [...PLATFORM_SERVICES].sort().map((name) => [name, '1']),
    );
    // The services' own series keep their own `service` label (honor_labels) and reach Prometheus.
    const info = await series('portcullis_service_info');
    expect(info.map((s) => s.metric.service).sort()).toEqual([...PLATFORM_SERVICES].sort());
    const ready = await series('min by (service) (portcullis_dependency_up)');
    expect(ready.length).toBe(PLATFORM_SERVICES.length);
  });

  it('should record a real MCP tool call in the gateway’s and the worker’s metrics', async () => {
    const { client } = await gatewayClient(
      `${platform.url('gateway')}/v1/mcp/default/servers/everything`,
      platform.adminToken,
    );
    clients.push(client);
    await client.callTool({ name: 'get-sum', arguments: { a: 20, b: 22 } });
    const selector = 'portcullis_mcp_requests_total{gateway="default",server="everything",method="tools/call"}';
    const upstreamSelector = 'portcullis_mcp_upstream_request_duration_seconds_count{method="tools/call"}';
    // Each service is scraped on its own schedule: wait until both sides of the call have been.
    const seen = await eventually(
      async () => (await series(selector)).length > 0 && (await series(upstreamSelector)).length > 0,
      15_000,
    );
    expect(seen).toBe(true);
    expect(
      (await series(selector)).map((s) => [s.metric.service, s.metric.tool, s.metric.outcome, s.value[1]]),
    ).toEqual([['gateway', 'get-sum', 'ok', '1']]);
    const latency = await series(
      'sum by (server) (portcullis_mcp_request_duration_seconds_count{method="tools/call",server="everything"})',
    );
    expect(latency.map((s) => s.value[1])).toEqual(['1']);
    expect(
      await eventually(async () => (await series('portcullis_mcp_response_size_bytes_count')).length > 0, 5_000),
    ).toBe(true);
    const upstream = await series(upstreamSelector);
    expect(upstream.map((s) => [s.metric.service, s.metric.server, s.metric.outcome, s.value[1]])).toEqual([
      ['orchestrator', 'everything', 'ok', '1'],
    ]);
    const running = await series('portcullis_mcp_instances{server="everything",state="running"}');
    expect(running.map((s) => s.value[1])).toEqual(['1']);
    expect((await series('portcullis_mcp_upstream_sessions{server="everything"}')).map((s) => s.value[1])).toEqual([
      '1',
    ]);
  });

  it('should read the audit consumer’s lag', async () => {
    const lag = () => series('portcullis_audit_consumer_pending');
    expect(await eventually(async () => (await lag()).length === 1, 20_000)).toBe(true);
    const [sample] = await lag();
    expect(sample.metric).toEqual(expect.objectContaining({ service: 'audit', consumer: 'audit' }));
    expect(Number(sample.value[1])).toBeGreaterThanOrEqual(0);
  });

  it('should accept every dashboard and alert query, over metrics the services really expose', async () => {
    const queries = [...dashboardQueries(), ...ruleQueries()];
    const refused: string[] = [];
    for (const { where, expr } of queries) {
      const answer = await query(grafanaToPromQL(expr));
      if (answer.status !== 'success') refused.push(`${where}: ${answer.error}`);
    }
    expect(refused).toEqual([]);

    const exposed = new Set<string>();
    for (const name of PLATFORM_SERVICES) {
      const text = await (await fetch(`${platform.url(name)}/metrics`)).text();
      for (const [family, type] of exposedFamilies(text))
        for (const sample of sampleNames(family, type)) exposed.add(sample);
    }
    const missing = [...namesUsed(queries)].filter(([name]) => !exposed.has(name)).map(([name]) => name);
    expect(missing).toEqual([]);

    const rules = (await (await fetch(`${api}/api/v1/rules`)).json()) as {
      data: { groups: { rules: { health: string; name: string }[] }[] };
    };
    const loaded = rules.data.groups.flatMap((g) => g.rules);
    expect(loaded.length).toBe(ruleQueries().length);
    expect(
      await eventually(async () => {
        const again = (await (await fetch(`${api}/api/v1/rules`)).json()) as typeof rules;
        return again.data.groups.flatMap((g) => g.rules).every((r) => r.health === 'ok');
      }, 10_000),
    ).toBe(true);
  });
});
