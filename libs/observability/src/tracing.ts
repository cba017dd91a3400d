import { context, type Context, propagation, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace';

export interface TracingOptions {
  service: string;
  version: string;
  instanceId: string;
  /** OTLP/HTTP collector base URL; without it spans are created (ids for logs and propagation) but not exported. */
  otlpEndpoint?: string;
}

/** Keeps real, recording spans (so a trace can start here and be propagated) when nothing exports them. */
class UnexportedSpanProcessor implements SpanProcessor {
  onStart(): void {}
  onEnd(): void {}
  async forceFlush(): Promise<void> {}
  async shutdown(): Promise<void> {}
}

let sdk: NodeSDK | undefined;

/** Starts OpenTelemetry for this process (once); returns its shutdown, which flushes pending spans. */
export function startTracing(options: TracingOptions): () => Promise<void> {
  if (sdk) return () => Promise.resolve();
  // The SDK would otherwise configure OTLP metric and log exporters from the environment's defaults.
  process.env.OTEL_METRICS_EXPORTER ??= 'none';
  process.env.OTEL_LOGS_EXPORTER ??= 'none';
  const spanProcessor = options.otlpEndpoint
    ? new BatchSpanProcessor({
        exporter: new OTLPTraceExporter({ url: `${options.otlpEndpoint.replace(/\/$/, '')}/v1/traces` }),
      })
    : new UnexportedSpanProcessor();
  sdk = new NodeSDK({
    resource: resourceFromAttributes({
      'service.name': `portcullis-${options.service}`,
      'service.version': options.version,
      'service.instance.id': options.instanceId,
      'service.namespace': 'portcullis',
    }),
    spanProcessors: [spanProcessor],
    textMapPropagator: new W3CTraceContextPropagator(),
    // HTTP server spans come from the kit's tracing interceptor and bus spans from the bus itself; patching
    // modules would depend on load order, which ESM-only dependencies make unreliable.
    instrumentations: [],
    autoDetectResources: false,
  });
  sdk.start();
  const started = sdk;
  return async () => {
    await started.shutdown().catch(() => undefined);
    sdk = undefined;
  };
}

/** The trace id of the active span, or null outside any trace. */
export function currentTraceId(ctx: Context = context.active()): string | null {
  const spanContext = trace.getSpanContext(ctx);
  return spanContext && trace.isSpanContextValid(spanContext) ? spanContext.traceId : null;
}

/** The W3C `traceparent` of the active span, or null outside any trace. */
export function currentTraceparent(ctx: Context = context.active()): string | null {
  const carrier: Record<string, string> = {};
  propagation.inject(ctx, carrier);
  return carrier.traceparent ?? null;
}
