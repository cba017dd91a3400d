import { Metrics } from '@portcullis/observability';
import { MAX_TOOL_LABELS_PER_SERVER, McpMetrics } from './mcp-metrics';

const valuesOf = async (metrics: Metrics, name: string) => (await metrics.registry.getSingleMetric(name)!.get()).values;

const nameOf = (v: object) => (v as { metricName?: string }).metricName ?? '';
const isSum = (v: object) => nameOf(v).endsWith('_sum');

describe(McpMetrics.name, () => {
  let metrics: Metrics;
  let mcp: McpMetrics;

  beforeEach(() => {
    metrics = new Metrics('gateway', '0.0.0', 'test');
    mcp = new McpMetrics(metrics);
  });

  it('should count, time and size requests by gateway, server, method, tool and outcome', async () => {
    mcp.observe('default', 'everything', 'tools/call', 'echo', 'ok', 0.003, 120, 800);
    mcp.observe('default', 'everything', 'tools/call', 'echo', 'ok', 0.004, 120, 800);
    mcp.observe('default', 'everything', 'tools/list', null, 'error', 0.001, 60, 90);
    const requests = await valuesOf(metrics, 'portcullis_mcp_requests_total');
    expect(requests.map((v) => [v.labels, v.value])).toEqual([
      [{ gateway: 'default', server: 'everything', method: 'tools/call', tool: 'echo', outcome: 'ok' }, 2],
      [{ gateway: 'default', server: 'everything', method: 'tools/list', tool: '', outcome: 'error' }, 1],
    ]);
    const duration = await valuesOf(metrics, 'portcullis_mcp_request_duration_seconds');
    const sum = duration.find((v) => isSum(v) && v.labels.tool === 'echo');
    expect(sum?.value).toBeCloseTo(0.007);
    const responses = await valuesOf(metrics, 'portcullis_mcp_response_size_bytes');
    expect(responses.find((v) => isSum(v) && v.labels.method === 'tools/call')?.value).toBe(1600);
    const requestsSize = await valuesOf(metrics, 'portcullis_mcp_request_size_bytes');
    expect(requestsSize.find((v) => v.labels.le === 64 && v.labels.method === 'tools/list')?.value).toBe(1);
  });

  it('should label tools only on tools/call, and past the cap per server as _other', async () => {
    mcp.observe('g', 's', 'prompts/get', 'ignored', 'ok', 0.001, 1, 1);
    for (let i = 0; i < MAX_TOOL_LABELS_PER_SERVER + 50; i++)
      mcp.observe('g', 's', 'tools/call', `t${i}`, 'ok', 0, 1, 1);
    mcp.observe('g', 'other-server', 'tools/call', 't999', 'ok', 0, 1, 1);
    const requests = await valuesOf(metrics, 'portcullis_mcp_requests_total');
    const tools = new Set(requests.filter((v) => v.labels.server === 's').map((v) => v.labels.tool));
    expect(tools.size).toBe(MAX_TOOL_LABELS_PER_SERVER + 2); // + '' (prompts/get) + _other
    expect(requests.find((v) => v.labels.tool === '_other')?.value).toBe(50);
    expect(requests.find((v) => v.labels.server === 'other-server')?.labels.tool).toBe('t999');
    // A tool already labelled keeps its label after the cap is reached.
    mcp.observe('g', 's', 'tools/call', 't0', 'ok', 0, 1, 1);
    expect((await valuesOf(metrics, 'portcullis_mcp_requests_total')).find((v) => v.labels.tool === 't0')?.value).toBe(
      2,
    );
  });

  it('should fold methods the protocol does not have into one label value', async () => {
    for (let i = 0; i < 100; i++) mcp.observe('g', 's', `made/up/${i}`, null, 'error', 0, 1, 1);
    const requests = await valuesOf(metrics, 'portcullis_mcp_requests_total');
    expect(requests.map((v) => [v.labels.method, v.value])).toEqual([['other', 100]]);
  });

  it('should cost a small fraction of a millisecond per request once its series exist', () => {
    mcp.observe('g', 's', 'tools/call', 'echo', 'ok', 0.001, 100, 100);
    const n = 200_000;
    const started = process.hrtime.bigint();
    for (let i = 0; i < n; i++) mcp.observe('g', 's', 'tools/call', 'echo', 'ok', 0.001, 100, 100);
    const nsPerCall = Number(process.hrtime.bigint() - started) / n;
    // A loose bound for a shared, busy 2-core machine: a regression to per-call registry work would still break it.
    expect(nsPerCall).toBeLessThan(100_000);
  });
});
