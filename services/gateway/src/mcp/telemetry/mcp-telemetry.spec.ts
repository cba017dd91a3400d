import type { IncomingMessage } from 'node:http';
import { propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { Metrics } from '@portcullis/observability';
import { McpMetrics } from '../http/mcp-metrics';
import { McpTelemetry } from './mcp-telemetry';

const exporter = new InMemorySpanExporter();
const processor = new SimpleSpanProcessor({ exporter });
const provider = new TracerProvider({ spanProcessors: [processor] });
/** The processor exports asynchronously. */
const finishedSpans = async () => {
  await processor.forceFlush();
  return exporter.getFinishedSpans();
};
const request = (headers: Record<string, string> = {}) => ({ headers }) as unknown as IncomingMessage;

describe(McpTelemetry.name, () => {
  let metrics: Metrics;
  let telemetry: McpTelemetry;

  beforeAll(() => {
    trace.setGlobalTracerProvider(provider);
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  });

  afterAll(async () => {
    await provider.shutdown();
    trace.disable();
    propagation.disable();
  });

  beforeEach(() => {
    exporter.reset();
    metrics = new Metrics('gateway', '0.0.0', 'test');
    telemetry = new McpTelemetry(new McpMetrics(metrics));
  });

  it('should make one server span per tools/call with the MCP and GenAI convention attributes', async () => {
    const message = { jsonrpc: '2.0' as const, id: 3, method: 'tools/call', params: { name: 'echo', arguments: {} } };
    const headers = { 'mcp-session-id': 'tok', 'mcp-protocol-version': '2025-11-25' };
    const call = telemetry.begin(request(headers), message, { gateway: 'default', server: 'everything' }, 80);
    call.end({ outcome: 'ok', bytes: 200, sessionId: 'tok', response: { jsonrpc: '2.0', id: 3, result: {} } });
    const [span] = await finishedSpans();
    expect(span.name).toBe('tools/call echo');
    expect(span.kind).toBe(SpanKind.SERVER);
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
    expect(span.attributes).toEqual(
      expect.objectContaining({
        'mcp.method.name': 'tools/call',
        'mcp.session.id': 'tok',
        'mcp.protocol.version': '2025-11-25',
        'jsonrpc.request.id': '3',
        'gen_ai.tool.name': 'echo',
        'gen_ai.operation.name': 'execute_tool',
        'network.transport': 'tcp',
      }),
    );
    expect(span.attributes['error.type']).toBeUndefined();
  });

  it('should record error.type: the JSON-RPC code, tool_error, or how the gateway failed', async () => {
    const message = { jsonrpc: '2.0' as const, id: 1, method: 'tools/call', params: { name: 'boom' } };
    const target = { gateway: 'g', server: 's' };
    telemetry.begin(request(), message, target, 10).end({
      outcome: 'error',
      bytes: 10,
      sessionId: 'x',
      response: { jsonrpc: '2.0', id: 1, error: { code: -32602, message: 'bad' } },
    });
    telemetry.begin(request(), message, target, 10).end({
      outcome: 'ok',
      bytes: 10,
      sessionId: 'x',
      response: { jsonrpc: '2.0', id: 1, result: { content: [], isError: true } },
    });
    telemetry.begin(request(), message, target, 10).end({ outcome: 'timeout', bytes: 10, sessionId: 'x' });
    const spans = await finishedSpans();
    expect(
      spans.map((s) => [s.attributes['error.type'], s.attributes['rpc.response.status_code'], s.status.code]),
    ).toEqual([
      ['-32602', '-32602', SpanStatusCode.ERROR],
      ['tool_error', undefined, SpanStatusCode.ERROR],
      ['timeout', undefined, SpanStatusCode.ERROR],
    ]);
    const outcomes = (await metrics.registry.getSingleMetric('portcullis_mcp_requests_total')!.get()).values.map(
      (v) => v.labels.outcome,
    );
    expect(outcomes).toEqual(['error', 'tool_error', 'timeout']);
  });

  it('should continue the trace context a client puts in params._meta', async () => {
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const message = { jsonrpc: '2.0' as const, id: 1, method: 'tools/list', params: { _meta: { traceparent } } };
    telemetry
      .begin(request(), message, { gateway: 'g', server: 's' }, 10)
      .end({ outcome: 'ok', bytes: 1, sessionId: null });
    const [span] = await finishedSpans();
    expect(span.name).toBe('tools/list');
    expect(span.spanContext().traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(span.parentSpanContext?.spanId).toBe('00f067aa0ba902b7');
  });

  it('should label an aggregated request with the server it was routed to, and with the server’s tool name', async () => {
    const message = { jsonrpc: '2.0' as const, id: 1, method: 'tools/call', params: { name: 'everything__echo' } };
    const call = telemetry.begin(request(), message, { gateway: 'g', server: null }, 10);
    call.routed('everything', 'echo');
    call.end({ outcome: 'ok', bytes: 1, sessionId: 't' });
    const list = telemetry.begin(
      request(),
      { jsonrpc: '2.0', id: 2, method: 'tools/list' },
      { gateway: 'g', server: null },
      1,
    );
    list.end({ outcome: 'ok', bytes: 1, sessionId: 't' });
    const labels = (await metrics.registry.getSingleMetric('portcullis_mcp_requests_total')!.get()).values.map((v) => [
      v.labels.server,
      v.labels.tool,
    ]);
    expect(labels).toEqual([
      ['everything', 'echo'],
      ['_aggregate', ''],
    ]);
    expect((await finishedSpans())[0].attributes['gen_ai.tool.name']).toBe('everything__echo');
  });
});
