import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { eventually, httpJson, REPO_ROOT, startPlatform, type TestPlatform } from '@portcullis/testing';
import { gatewayClient } from './mcp/mcp-clients';
import { type ExportedSpan, OtlpCollector } from './otlp-collector';

/** OTLP span kinds. */
const SERVER = 2;
const CLIENT = 3;

/** With OTEL_EXPORTER_OTLP_ENDPOINT set, one trace spans gateway → NATS → the other services in the exported spans. */
describe('OpenTelemetry export across services', () => {
  const collector = new OtlpCollector();
  const clients: Client[] = [];
  let platform: TestPlatform;

  beforeAll(async () => {
    const endpoint = await collector.start();
    platform = await startPlatform({
      only: ['gateway', 'registry', 'orchestrator'],
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
        OTEL_BSP_SCHEDULE_DELAY: '100',
        PORTCULLIS_FILE: join(REPO_ROOT, 'portcullis.yaml'),
      },
    });
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
    await platform?.stop();
    await collector.stop();
  });

  const parentOf = (span: ExportedSpan | undefined) =>
    collector.spans.find((s) => span && s.traceId === span.traceId && s.spanId === span.parentSpanId);

  /**
   * Waits until the gateway's span of one tool call and the worker's span of its call of the server are both
   * exported (the same trace also holds the tools/list the gateway makes to validate arguments).
   */
  async function toolCallSpans(name: string, server: string, upstreamName = name) {
    const find = () => {
      const gateway = collector.spans.find(
        (s) => s.service === 'portcullis-gateway' && s.kind === SERVER && s.name === `tools/call ${name}`,
      );
      const upstream = collector.spans.find(
        (s) =>
          s.service === 'portcullis-orchestrator' &&
          s.kind === CLIENT &&
          s.traceId === gateway?.traceId &&
          s.name === `tools/call ${upstreamName}` &&
          s.attributes['portcullis.mcp.server'] === server,
      );
      return { gateway, upstream };
    };
    await eventually(() => Promise.resolve(!!find().upstream), 15_000);
    return find();
  }

  it('should export the HTTP span, the bus client span and the bus server span of the other service as one trace', async () => {
    const { body } = await httpJson<{ traceId: string }>(`${platform.url('gateway')}/api/v1/system/ping/registry`, {
      token: platform.adminToken,
    });
    const inTrace = () => collector.spans.filter((s) => s.traceId === body.traceId);
    expect(await eventually(() => Promise.resolve(inTrace().length >= 3), 10_000)).toBe(true);
    const http = inTrace().find(
      (s) => s.service === 'portcullis-gateway' && s.name === 'GET /api/v1/system/ping/:service',
    );
    const send = inTrace().find((s) => s.service === 'portcullis-gateway' && s.name === 'system.v1.ping send');
    const process = inTrace().find((s) => s.service === 'portcullis-registry' && s.name === 'system.v1.ping process');
    expect(http).toBeDefined();
    expect(send?.parentSpanId).toBe(http?.spanId);
    expect(process?.parentSpanId).toBe(send?.spanId);
  });

  it('should trace one tools/call from the gateway’s MCP span through NATS to the worker’s call of the server', async () => {
    const { client, transport } = await gatewayClient(
      `${platform.url('gateway')}/v1/mcp/default/servers/everything`,
      platform.adminToken,
    );
    clients.push(client);
    const result = await client.callTool({ name: 'get-sum', arguments: { a: 2, b: 3 } });
    expect(JSON.stringify(result.content)).toContain('5');

    const { gateway, upstream } = await toolCallSpans('get-sum', 'everything');
    // The gateway's span, after the OpenTelemetry MCP conventions, under the HTTP request's span.
    expect(gateway?.attributes).toEqual(
      expect.objectContaining({
        'mcp.method.name': 'tools/call',
        'gen_ai.tool.name': 'get-sum',
        'gen_ai.operation.name': 'execute_tool',
        'mcp.session.id': transport.sessionId,
        'mcp.protocol.version': expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/) as unknown,
        'jsonrpc.request.id': expect.any(String) as unknown,
      }),
    );
    expect(parentOf(gateway)?.name).toBe('POST /v1/mcp/:gateway/servers/:server');
    // gateway MCP span → bus send → worker's bus process span → the worker's call of the MCP server.
    const process = parentOf(upstream);
    const send = parentOf(process);
    expect([send?.service, send?.name, send?.kind]).toEqual(['portcullis-gateway', 'mcp.v1.worker send', CLIENT]);
    expect(send?.parentSpanId).toBe(gateway?.spanId);
    expect([process?.service, process?.name]).toEqual(['portcullis-orchestrator', 'mcp.v1.worker process']);
    expect(upstream?.name).toBe('tools/call get-sum');
    expect(upstream?.attributes).toEqual(
      expect.objectContaining({
        'mcp.method.name': 'tools/call',
        'gen_ai.tool.name': 'get-sum',
        'gen_ai.operation.name': 'execute_tool',
        'jsonrpc.request.id': gateway?.attributes['jsonrpc.request.id'],
      }),
    );
    expect(upstream?.status).toBe(0);
  });

  it('should name the tool as the client called it on the aggregated endpoint, and mark a failed call', async () => {
    const { client } = await gatewayClient(`${platform.url('gateway')}/v1/mcp/default`, platform.adminToken);
    clients.push(client);
    await client.callTool({ name: 'everything__get-sum', arguments: { a: 1, b: 1 } });
    const { gateway, upstream } = await toolCallSpans('everything__get-sum', 'everything', 'get-sum');
    expect(gateway?.attributes).toEqual(
      expect.objectContaining({ 'gen_ai.tool.name': 'everything__get-sum', 'portcullis.mcp.server': 'everything' }),
    );
    expect(upstream?.attributes['gen_ai.tool.name']).toBe('get-sum');

    // Arguments the tool's schema refuses: answered by the gateway as a tool error, never sent upstream.
    const refused = await client.callTool({ name: 'everything__get-sum', arguments: { a: 1 } });
    expect(refused.isError).toBe(true);
    const span = () =>
      collector.spans.find(
        (s) =>
          s.name === 'tools/call everything__get-sum' && s.status === 2 && s.attributes['error.type'] === 'tool_error',
      );
    expect(await eventually(() => Promise.resolve(!!span()), 10_000)).toBe(true);
  });
});
