import { LATENCY_BUCKETS, type Metrics } from '@portcullis/observability';
import { Counter, Gauge, Histogram } from 'prom-client';
import { INSTANCE_STATES, type InstanceStatus } from '../runtimes';

/** How an upstream call ended, as the worker saw it. */
export type UpstreamOutcome = 'ok' | 'error' | 'tool_error' | 'timeout';

export interface WorkerMetricSources {
  instances(): InstanceStatus[];
  /** The server of every open upstream session. */
  sessionServers(): Iterable<string>;
}

/**
 * The worker's MCP metrics. Instance and session counts are read from the runtime when Prometheus scrapes, so
 * they can never drift from what the runtime holds; restarts are counted as they happen.
 */
export class WorkerMetrics {
  readonly restarts: Counter<'server'>;
  private readonly upstreamDuration: Histogram<'server' | 'method' | 'outcome'>;
  private readonly upstreamChildren = new Map<string, Histogram.Internal<'server' | 'method' | 'outcome'>>();

  constructor(metrics: Metrics, sources: WorkerMetricSources) {
    const registers = [metrics.registry];
    new Gauge({
      name: 'portcullis_mcp_instances',
      help: 'MCP server instances on this worker, by server and state (retained stopped ones included).',
      labelNames: ['server', 'state'],
      registers,
      collect() {
        this.reset();
        const counts = new Map<string, Map<string, number>>();
        for (const instance of sources.instances()) {
          let states = counts.get(instance.serverId);
          if (!states) counts.set(instance.serverId, (states = new Map(INSTANCE_STATES.map((s) => [s, 0]))));
          states.set(instance.state, (states.get(instance.state) ?? 0) + 1);
        }
        for (const [server, states] of counts) for (const [state, n] of states) this.set({ server, state }, n);
      },
    });
    new Gauge({
      name: 'portcullis_mcp_upstream_sessions',
      help: 'Open upstream MCP sessions (one per client session) on this worker, by server.',
      labelNames: ['server'],
      registers,
      collect() {
        this.reset();
        const counts = new Map<string, number>();
        for (const server of sources.sessionServers()) counts.set(server, (counts.get(server) ?? 0) + 1);
        for (const [server, n] of counts) this.set({ server }, n);
      },
    });
    this.restarts = new Counter({
      name: 'portcullis_mcp_instance_restarts_total',
      help: 'Restarts of MCP server instances after a crash, by server.',
      labelNames: ['server'],
      registers,
    });
    this.upstreamDuration = new Histogram({
      name: 'portcullis_mcp_upstream_request_duration_seconds',
      help: 'Time from the worker sending a request to the MCP server to its answer, by server, method and outcome.',
      labelNames: ['server', 'method', 'outcome'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
  }

  /** `method` must already be bounded (mcpMethodLabel). */
  observeUpstream(server: string, method: string, outcome: UpstreamOutcome, seconds: number): void {
    const key = `${server}\u0000${method}\u0000${outcome}`;
    let child = this.upstreamChildren.get(key);
    if (!child) this.upstreamChildren.set(key, (child = this.upstreamDuration.labels(server, method, outcome)));
    child.observe(seconds);
  }
}
