import { Metrics } from '@portcullis/observability';
import type { InstanceStatus } from '../runtimes';
import { traceUpstreamCall } from './upstream-call-trace';
import { WorkerMetrics } from './worker-metrics';

const instance = (serverId: string, state: InstanceStatus['state']): InstanceStatus => ({
  instanceId: `${serverId}-${state}-${Math.random()}`,
  serverId,
  runtime: 'local',
  state,
  since: '',
  createdAt: '',
  restarts: 0,
});

const nameOf = (v: object) => (v as { metricName?: string }).metricName ?? '';
const isCount = (v: object) => nameOf(v).endsWith('_count');

describe(WorkerMetrics.name, () => {
  let metrics: Metrics;
  let instances: InstanceStatus[];
  let sessions: string[];
  let worker: WorkerMetrics;

  beforeEach(() => {
    metrics = new Metrics('orchestrator', '0.0.0', 'test');
    instances = [];
    sessions = [];
    worker = new WorkerMetrics(metrics, { instances: () => instances, sessionServers: () => sessions });
  });

  const scrape = async (name: string) =>
    (await metrics.registry.getSingleMetric(name)!.get()).values.map((v) => [v.labels, v.value]);

  it('should report instances by server and state as the runtime holds them at scrape time', async () => {
    instances = [
      instance('everything', 'running'),
      instance('everything', 'running'),
      instance('git', 'crash-looping'),
    ];
    const first = await scrape('portcullis_mcp_instances');
    expect(first).toContainEqual([{ server: 'everything', state: 'running' }, 2]);
    expect(first).toContainEqual([{ server: 'everything', state: 'crash-looping' }, 0]);
    expect(first).toContainEqual([{ server: 'git', state: 'crash-looping' }, 1]);
    expect(first).toHaveLength(12); // every state of both servers
    instances = [instance('everything', 'stopped')];
    const second = await scrape('portcullis_mcp_instances');
    expect(second).toContainEqual([{ server: 'everything', state: 'running' }, 0]);
    expect(second).toContainEqual([{ server: 'everything', state: 'stopped' }, 1]);
    expect(second.some(([labels]) => (labels as { server: string }).server === 'git')).toBe(false);
  });

  it('should report open upstream sessions by server', async () => {
    sessions = ['everything', 'everything', 'git'];
    expect(await scrape('portcullis_mcp_upstream_sessions')).toEqual([
      [{ server: 'everything' }, 2],
      [{ server: 'git' }, 1],
    ]);
    sessions = [];
    expect(await scrape('portcullis_mcp_upstream_sessions')).toEqual([]);
  });

  it('should time upstream calls by server, method and outcome', async () => {
    traceUpstreamCall(
      { serverId: 'everything', sessionId: 's', metrics: worker },
      { id: 1, method: 'tools/call' },
    )({
      jsonrpc: '2.0',
      id: 1,
      result: { content: [] },
    });
    traceUpstreamCall(
      { serverId: 'everything', sessionId: 's', metrics: worker },
      { id: 2, method: 'tools/call' },
    )({
      jsonrpc: '2.0',
      id: 2,
      result: { content: [], isError: true },
    });
    traceUpstreamCall(
      { serverId: 'everything', sessionId: 's', metrics: worker },
      { id: 3, method: 'nope/x' },
    )({
      jsonrpc: '2.0',
      id: 3,
      error: { code: -32001, message: 'Request timed out' },
    });
    const counts = (
      await metrics.registry.getSingleMetric('portcullis_mcp_upstream_request_duration_seconds')!.get()
    ).values
      .filter((v) => isCount(v))
      .map((v) => [v.labels.method, v.labels.outcome, v.value]);
    expect(counts).toEqual([
      ['tools/call', 'ok', 1],
      ['tools/call', 'tool_error', 1],
      ['other', 'timeout', 1],
    ]);
  });
});
