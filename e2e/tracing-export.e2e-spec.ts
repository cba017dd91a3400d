import { eventually, httpJson, startPlatform, type TestPlatform } from '@portcullis/testing';
import { OtlpCollector } from './otlp-collector';

/** With OTEL_EXPORTER_OTLP_ENDPOINT set, one trace spans gateway → NATS → registry in the exported spans. */
describe('OpenTelemetry export across services', () => {
  const collector = new OtlpCollector();
  let platform: TestPlatform;

  beforeAll(async () => {
    const endpoint = await collector.start();
    platform = await startPlatform({
      only: ['gateway', 'registry'],
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_BSP_SCHEDULE_DELAY: '100' },
    });
  });

  afterAll(async () => {
    await platform?.stop();
    await collector.stop();
  });

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
});
