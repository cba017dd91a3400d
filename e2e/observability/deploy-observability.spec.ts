import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Metrics } from '@portcullis/observability';
import { REPO_ROOT, serviceCatalogue } from '@portcullis/testing';
import { parse, stringify } from 'yaml';
import {
  dashboardQueries,
  declaredFamilies,
  metricNamesIn,
  namesUsed,
  PROMETHEUS_DIR,
  RULES_FILE,
  ruleQueries,
  sampleNames,
} from './promql';

const { SERVICES } = serviceCatalogue;

const promtool = (...args: string[]) => {
  const result = spawnSync('promtool', args, { cwd: PROMETHEUS_DIR, encoding: 'utf8' });
  if (result.error) throw new Error(`promtool is not installed (apt-get install prometheus): ${result.error.message}`);
  return { ok: result.status === 0, output: `${result.stdout}${result.stderr}`.trim() };
};

interface ScrapeConfig {
  job_name: string;
  honor_labels?: boolean;
  static_configs?: { targets: string[]; labels?: Record<string, string> }[];
  kubernetes_sd_configs?: { role: string }[];
  relabel_configs?: { source_labels?: string[]; regex?: string; action?: string; target_label?: string }[];
}

/** Sample names every service exposes: what the code declares plus prom-client's default process/Node metrics. */
function exposedSampleNames(): Set<string> {
  const names = new Set<string>();
  const families = declaredFamilies();
  for (const metric of new Metrics('probe', '0.0.0', 'probe').registry.getMetricsAsArray())
    families.set(metric.name, metric.type.toString());
  for (const [name, type] of families) for (const sample of sampleNames(name, type)) names.add(sample);
  return names;
}

describe('deploy/prometheus and deploy/grafana', () => {
  it('should read only metrics that the services register, in every dashboard panel and alert rule', () => {
    const exposed = exposedSampleNames();
    const used = namesUsed([...dashboardQueries(), ...ruleQueries()]);
    const unknown = [...used].filter(([name]) => !exposed.has(name)).map(([name, where]) => `${name} (${where[0]})`);
    expect(unknown).toEqual([]);
    // The panels the issue asks for, by the metrics they stand on.
    expect([...used.keys()]).toEqual(
      expect.arrayContaining([
        'portcullis_mcp_requests_total',
        'portcullis_mcp_request_duration_seconds_bucket',
        'portcullis_mcp_request_size_bytes_bucket',
        'portcullis_mcp_response_size_bytes_bucket',
        'portcullis_mcp_instances',
        'portcullis_mcp_instance_restarts_total',
        'portcullis_mcp_upstream_sessions',
        'portcullis_audit_events_ingested_total',
        'portcullis_audit_consumer_pending',
        'portcullis_outbox_pending_events',
        'portcullis_dependency_up',
        'process_resident_memory_bytes',
      ]),
    );
  });

  it('should find metric names in PromQL and nothing else', () => {
    expect(
      metricNamesIn(
        'topk(15, histogram_quantile(0.95, sum by (le, server) (rate(a_bucket{method="tools/call", x=~"$x"}[$__rate_interval]))))',
      ),
    ).toEqual(['a_bucket']);
    expect(metricNamesIn('sum(b{state="crash-looping"}) or vector(0) > bool 1e3')).toEqual(['b']);
    expect(metricNamesIn('c / on (gateway) group_left (tool) d offset 5m')).toEqual(['c', 'd']);
  });

  it('should pass promtool check config (docker compose variant, with its rule files)', () => {
    const result = promtool('check', 'config', 'prometheus.yml');
    expect(result).toEqual({ ok: true, output: expect.stringContaining('SUCCESS') as unknown });
    expect(result.output).toContain('1 rule files found');
  });

  it('should pass promtool check rules', () => {
    const result = promtool('check', 'rules', RULES_FILE);
    expect(result.ok).toBe(true);
    expect(result.output).toMatch(/SUCCESS: \d+ rules found/);
  });

  it('should scrape every service of services.cjs at its compose name and port, with its service label', () => {
    const config = parse(readFileSync(join(PROMETHEUS_DIR, 'prometheus.yml'), 'utf8')) as {
      scrape_configs: ScrapeConfig[];
    };
    const targets = config.scrape_configs.flatMap((s) =>
      (s.static_configs ?? []).map((c) => ({ targets: c.targets, service: c.labels?.service })),
    );
    expect(targets).toEqual(SERVICES.map((s) => ({ targets: [`${s.name}:${s.port}`], service: s.name })));
  });

  it('should keep the pods deploy/base annotates for scraping in the Kubernetes variant', () => {
    const file = join(PROMETHEUS_DIR, 'prometheus-kubernetes.yml');
    const config = parse(readFileSync(file, 'utf8')) as { scrape_configs: ScrapeConfig[] };
    const [job] = config.scrape_configs;
    expect(job.kubernetes_sd_configs).toEqual([expect.objectContaining({ role: 'pod' })]);
    const relabel = job.relabel_configs ?? [];
    const keeps = relabel.filter((r) => r.action === 'keep').map((r) => [r.source_labels?.[0], r.regex]);
    expect(keeps).toEqual(
      expect.arrayContaining([
        ['__meta_kubernetes_pod_annotation_prometheus_io_scrape', 'true'],
        ['__meta_kubernetes_pod_label_app_kubernetes_io_component', 'service'],
      ]),
    );
    // What those rules select must be what every service Deployment carries.
    for (const service of SERVICES) {
      const manifest = readFileSync(join(REPO_ROOT, 'deploy', 'base', `${service.name}.yaml`), 'utf8');
      expect(manifest).toContain(`prometheus.io/port: "${service.port}"`);
      expect(manifest).toContain('prometheus.io/scrape: "true"');
      expect(manifest).toContain('app.kubernetes.io/component: service');
    }
    // Debian's Prometheus is built without Kubernetes discovery; check everything else of the file with promtool.
    const direct = promtool('check', 'config', file);
    if (direct.ok) return;
    expect(direct.output).toContain('field kubernetes_sd_configs not found');
    const dir = mkdtempSync(join(tmpdir(), 'prom-k8s-'));
    try {
      cpSync(join(PROMETHEUS_DIR, 'rules'), join(dir, 'rules'), { recursive: true });
      const { kubernetes_sd_configs: _sd, ...rest } = job;
      writeFileSync(
        join(dir, 'prometheus.yml'),
        stringify({ ...config, scrape_configs: [{ ...rest, static_configs: [{ targets: ['pod:3000'] }] }] }),
      );
      const result = spawnSync('promtool', ['check', 'config', 'prometheus.yml'], { cwd: dir, encoding: 'utf8' });
      expect(`${result.stdout}${result.stderr}`).toContain('SUCCESS');
      expect(result.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
