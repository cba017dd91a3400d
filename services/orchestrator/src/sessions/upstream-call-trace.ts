import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { JsonRpcMessage } from '@portcullis/contracts';
import {
  MCP_ATTR,
  MCP_TOOL_ERROR,
  mcpMethodLabel,
  mcpRequestAttributes,
  mcpResponseError,
  mcpSpanName,
  mcpTarget,
} from '@portcullis/observability';
import type { UpstreamOutcome, WorkerMetrics } from './worker-metrics';

const tracer = trace.getTracer('portcullis-mcp');

/** The SDKs' code for a request that took too long (`ErrorCode.RequestTimeout`). */
const REQUEST_TIMEOUT = -32001;

export interface UpstreamCallContext {
  serverId: string;
  /** The worker's id of the upstream session. */
  sessionId: string;
  metrics: WorkerMetrics;
}

/**
 * Starts the `mcp.client` span of one request the worker sends to the MCP server (a child of the bus span that
 * carries the gateway's trace) and returns what ends it, with the call's duration metric, once the answer is in.
 */
export function traceUpstreamCall(
  call: UpstreamCallContext,
  message: { id: string | number; method: string; params?: unknown },
): (response: JsonRpcMessage) => void {
  const started = performance.now();
  const attributes = mcpRequestAttributes(message, message.method);
  attributes[MCP_ATTR.sessionId] = call.sessionId;
  attributes['portcullis.mcp.server'] = call.serverId;
  const span = tracer.startSpan(mcpSpanName(message.method, mcpTarget(message)), { kind: SpanKind.CLIENT, attributes });
  return (response) => {
    const failure = mcpResponseError(response);
    let outcome: UpstreamOutcome = 'ok';
    if (failure) {
      outcome =
        failure.errorType === MCP_TOOL_ERROR ? 'tool_error' : failure.code === REQUEST_TIMEOUT ? 'timeout' : 'error';
      span.setAttribute(MCP_ATTR.errorType, failure.errorType);
      if (failure.code !== null) span.setAttribute(MCP_ATTR.responseStatusCode, String(failure.code));
      span.setStatus({ code: SpanStatusCode.ERROR, message: failure.errorType });
    }
    span.end();
    call.metrics.observeUpstream(
      call.serverId,
      mcpMethodLabel(message.method),
      outcome,
      (performance.now() - started) / 1000,
    );
  };
}
