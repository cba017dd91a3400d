import { Injectable } from '@nestjs/common';
import { LATENCY_BUCKETS, mcpMethodLabel, Metrics, OTHER_LABEL_VALUE, SIZE_BUCKETS } from '@portcullis/observability';
import { Counter, Histogram } from 'prom-client';

/** Distinct tool label values per server: tool names come from clients, so past this they count as `_other`. */
export const MAX_TOOL_LABELS_PER_SERVER = 200;

/** The outcomes of the audit event, plus `tool_error`: answered, but the tool reported `isError`. */
export type McpOutcomeLabel = 'ok' | 'error' | 'refused' | 'timeout' | 'unavailable' | 'tool_error';

/** The server label of what the aggregated endpoint answers itself (merged lists, initialize, ping). */
export const AGGREGATE_SERVER_LABEL = '_aggregate';

type CallLabels = 'gateway' | 'server' | 'method' | 'tool' | 'outcome';
type SizeLabels = 'gateway' | 'server' | 'method';

interface CallSeries {
  requests: Counter.Internal;
  duration: Histogram.Internal<CallLabels>;
}

interface MethodSeries {
  request: Histogram.Internal<SizeLabels>;
  response: Histogram.Internal<SizeLabels>;
  /** outcome → tool ('' unless tools/call) → series */
  calls: Map<string, Map<string, CallSeries>>;
}

interface ServerSeries {
  methods: Map<string, MethodSeries>;
  tools: Set<string>;
}

/**
 * MCP request metrics of the gateway, for both endpoints. This is the hot path, so label children are resolved
 * once and kept: a request costs a few map lookups, not a labels object and a hash per metric.
 */
@Injectable()
export class McpMetrics {
  private readonly requests: Counter<CallLabels>;
  private readonly duration: Histogram<CallLabels>;
  private readonly requestSize: Histogram<SizeLabels>;
  private readonly responseSize: Histogram<SizeLabels>;
  private readonly gateways = new Map<string, Map<string, ServerSeries>>();

  constructor(metrics: Metrics) {
    const registers = [metrics.registry];
    const labelNames = ['gateway', 'server', 'method', 'tool', 'outcome'] as const;
    this.requests = new Counter({
      name: 'portcullis_mcp_requests_total',
      help: 'Client MCP requests and notifications through the gateway, by target, method, tool and outcome.',
      labelNames,
      registers,
    });
    this.duration = new Histogram({
      name: 'portcullis_mcp_request_duration_seconds',
      help: 'Time from a client MCP message arriving at the gateway to its answer (or ack) being written.',
      labelNames,
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.requestSize = new Histogram({
      name: 'portcullis_mcp_request_size_bytes',
      help: 'Size of client MCP messages (HTTP body bytes).',
      labelNames: ['gateway', 'server', 'method'],
      buckets: SIZE_BUCKETS,
      registers,
    });
    this.responseSize = new Histogram({
      name: 'portcullis_mcp_response_size_bytes',
      help: 'Size of the JSON-RPC answers the gateway wrote for client MCP requests.',
      labelNames: ['gateway', 'server', 'method'],
      buckets: SIZE_BUCKETS,
      registers,
    });
  }

  observe(
    gateway: string,
    server: string,
    method: string,
    tool: string | null,
    outcome: McpOutcomeLabel,
    seconds: number,
    requestBytes: number,
    responseBytes: number,
  ): void {
    const target = this.server(gateway, server);
    const methodLabel = mcpMethodLabel(method);
    const series = this.method(target, gateway, server, methodLabel);
    series.request.observe(requestBytes);
    series.response.observe(responseBytes);
    const call = this.call(
      target,
      series,
      gateway,
      server,
      methodLabel,
      methodLabel === 'tools/call' ? tool : null,
      outcome,
    );
    call.requests.inc();
    call.duration.observe(seconds);
  }

  private server(gateway: string, server: string): ServerSeries {
    let servers = this.gateways.get(gateway);
    if (!servers) this.gateways.set(gateway, (servers = new Map<string, ServerSeries>()));
    let target = servers.get(server);
    if (!target) servers.set(server, (target = { methods: new Map(), tools: new Set() }));
    return target;
  }

  private method(target: ServerSeries, gateway: string, server: string, method: string): MethodSeries {
    let series = target.methods.get(method);
    if (!series) {
      series = {
        request: this.requestSize.labels(gateway, server, method),
        response: this.responseSize.labels(gateway, server, method),
        calls: new Map(),
      };
      target.methods.set(method, series);
    }
    return series;
  }

  private call(
    target: ServerSeries,
    series: MethodSeries,
    gateway: string,
    server: string,
    method: string,
    tool: string | null,
    outcome: McpOutcomeLabel,
  ): CallSeries {
    let byTool = series.calls.get(outcome);
    if (!byTool) series.calls.set(outcome, (byTool = new Map<string, CallSeries>()));
    let toolLabel = tool ?? '';
    let call = byTool.get(toolLabel);
    if (call) return call;
    if (tool !== null && !target.tools.has(tool)) {
      if (target.tools.size < MAX_TOOL_LABELS_PER_SERVER) target.tools.add(tool);
      else toolLabel = OTHER_LABEL_VALUE;
    }
    call = byTool.get(toolLabel);
    if (!call) {
      call = {
        requests: this.requests.labels(gateway, server, method, toolLabel, outcome),
        duration: this.duration.labels(gateway, server, method, toolLabel, outcome),
      };
      byTool.set(toolLabel, call);
    }
    return call;
  }
}
