import { Injectable, Optional } from '@nestjs/common';
import { type Context, context, propagation, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { IncomingMessage } from 'node:http';
import type { JsonRpcMessage } from '@portcullis/contracts';
import { MCP_ATTR, mcpRequestAttributes, mcpResponseError, mcpSpanName, mcpTarget } from '@portcullis/observability';
import { McpCatalog } from '../catalog/mcp-catalog';
import { AGGREGATE_SERVER_LABEL, McpMetrics, type McpOutcomeLabel } from '../http/mcp-metrics';

const tracer = trace.getTracer('portcullis-mcp');

/** How a request through either endpoint ended; what the metrics, the span and the audit event report. */
export interface Outcome {
  outcome: 'ok' | 'error' | 'refused' | 'timeout' | 'unavailable';
  bytes: number;
  sessionId: string | null;
  /** The JSON-RPC answer sent to the client, when there was one: its error code or `isError` go on the span. */
  response?: unknown;
}

interface McpTarget {
  gateway: string;
  /** null on the aggregated endpoint until the request is routed to one server. */
  server: string | null;
}

/**
 * One MCP request through the gateway: an `mcp.server` span after the OpenTelemetry MCP conventions (a child of
 * the HTTP span, or of the `traceparent` the client put in `params._meta`), and the request's metrics at the end.
 */
export class McpRequestTrace {
  private readonly started = performance.now();
  private readonly ctx: Context;
  private server: string | null;
  private tool: string | null;

  constructor(
    private readonly metrics: McpMetrics,
    private readonly span: Span,
    parent: Context,
    private readonly gateway: string,
    server: string | null,
    private readonly method: string,
    tool: string | undefined,
    private readonly requestBytes: number,
  ) {
    this.ctx = trace.setSpan(parent, span);
    this.server = server;
    this.tool = tool ?? null;
  }

  /** Runs the handling inside the span, so bus requests (and the worker's spans) join this trace. */
  run<T>(fn: () => Promise<T>): Promise<T> {
    return context.with(this.ctx, fn);
  }

  /** The server the request went to (null: the aggregated endpoint answered it itself), and its own tool name. */
  get destination(): { server: string | null; tool: string | null } {
    return { server: this.server, tool: this.tool };
  }

  /** The aggregated endpoint names the server, and the server's own name of the tool, once it routes the request. */
  routed(server: string, tool?: string): void {
    this.server = server;
    if (tool !== undefined) this.tool = tool;
  }

  end(result: Outcome): void {
    const seconds = (performance.now() - this.started) / 1000;
    const failure = mcpResponseError(result.response);
    let outcome: McpOutcomeLabel = result.outcome;
    if (outcome === 'ok' && failure?.errorType === 'tool_error') outcome = 'tool_error';
    const server = this.server ?? AGGREGATE_SERVER_LABEL;
    this.metrics.observe(
      this.gateway,
      server,
      this.method,
      this.tool,
      outcome,
      seconds,
      this.requestBytes,
      result.bytes,
    );
    if (result.sessionId) this.span.setAttribute(MCP_ATTR.sessionId, result.sessionId);
    if (this.server) this.span.setAttribute('portcullis.mcp.server', this.server);
    if (failure?.code !== null && failure?.code !== undefined)
      this.span.setAttribute(MCP_ATTR.responseStatusCode, String(failure.code));
    // The conventions' error.type: the answer's JSON-RPC code or tool_error; else how the gateway failed.
    const errorType = failure?.errorType ?? (result.outcome === 'ok' ? undefined : result.outcome);
    if (errorType) {
      this.span.setAttribute(MCP_ATTR.errorType, errorType);
      this.span.setStatus({ code: SpanStatusCode.ERROR, message: errorType });
    }
    this.span.end();
  }
}

/** Starts the span and the clock of each MCP request (see McpRequestTrace). */
@Injectable()
export class McpTelemetry {
  constructor(
    private readonly metrics: McpMetrics,
    @Optional() private readonly catalog?: McpCatalog,
  ) {}

  begin(req: IncomingMessage, message: JsonRpcMessage, where: McpTarget, requestBytes: number): McpRequestTrace {
    const request = message as { id?: unknown; method?: unknown; params?: { _meta?: Record<string, unknown> } };
    const method = typeof request.method === 'string' ? request.method : 'response';
    const target = mcpTarget(request);
    const attributes = mcpRequestAttributes(request, method);
    attributes[MCP_ATTR.networkTransport] = 'tcp';
    attributes[MCP_ATTR.networkProtocolName] = 'http';
    const gateway = this.catalog?.labelOf(where.gateway) ?? where.gateway;
    attributes['portcullis.gateway'] = gateway;
    const session = req.headers['mcp-session-id'];
    if (typeof session === 'string') attributes[MCP_ATTR.sessionId] = session;
    const version =
      req.headers['mcp-protocol-version'] ??
      (request.params as { protocolVersion?: unknown } | undefined)?.protocolVersion;
    if (typeof version === 'string') attributes[MCP_ATTR.protocolVersion] = version;
    // The conventions carry trace context in params._meta; the HTTP span's context is the fallback.
    const meta = request.params?._meta;
    const parent =
      meta && typeof meta.traceparent === 'string' ? propagation.extract(context.active(), meta) : context.active();
    const span = tracer.startSpan(mcpSpanName(method, target), { kind: SpanKind.SERVER, attributes }, parent);
    return new McpRequestTrace(
      this.metrics,
      span,
      parent,
      gateway,
      where.server,
      method,
      method === 'tools/call' ? target : undefined,
      requestBytes,
    );
  }
}
