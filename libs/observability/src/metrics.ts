import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Latency buckets (seconds) sized for a gateway measured in single milliseconds. */
export const LATENCY_BUCKETS = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Message size buckets (bytes), from a bare JSON-RPC ack to the gateway's multi-megabyte body limit. */
export const SIZE_BUCKETS = [64, 256, 1024, 4096, 16_384, 65_536, 262_144, 1_048_576, 4_194_304];

/** The label value standing for every value past a label's cap, so untrusted input cannot multiply series. */
export const OTHER_LABEL_VALUE = '_other';

/**
 * The process's Prometheus registry: Node's default metrics plus platform-wide ones whose names every service
 * shares (`portcullis_*`), labelled with the service so one dashboard covers all of them.
 */
export class Metrics {
  readonly registry = new Registry();

  readonly httpRequests: Counter<'method' | 'route' | 'status_code'>;
  readonly httpDuration: Histogram<'method' | 'route' | 'status_code'>;
  readonly busRequests: Counter<'subject' | 'outcome'>;
  readonly busDuration: Histogram<'subject' | 'outcome'>;
  readonly busClientRequests: Counter<'subject' | 'outcome'>;
  readonly eventsPublished: Counter<'type' | 'outcome'>;
  readonly dependencyUp: Gauge<'dependency'>;

  constructor(service: string, version: string, instanceId: string) {
    this.registry.setDefaultLabels({ service });
    collectDefaultMetrics({ register: this.registry });
    // These three are gauges named like counters, which `promtool check metrics` rejects; the per-type gauges
    // without the suffix (nodejs_active_handles, …) carry the same numbers.
    for (const name of [
      'nodejs_active_handles_total',
      'nodejs_active_requests_total',
      'nodejs_active_resources_total',
    ]) {
      this.registry.removeSingleMetric(name);
    }
    const registers = [this.registry];
    new Gauge({
      name: 'portcullis_service_info',
      help: 'Constant 1, labelled with the version and replica of this service.',
      labelNames: ['version', 'instance'],
      registers,
    }).set({ version, instance: instanceId }, 1);
    this.httpRequests = new Counter({
      name: 'portcullis_http_requests_total',
      help: 'HTTP requests served, by route template and status code.',
      labelNames: ['method', 'route', 'status_code'],
      registers,
    });
    this.httpDuration = new Histogram({
      name: 'portcullis_http_request_duration_seconds',
      help: 'HTTP request duration from arrival to response.',
      labelNames: ['method', 'route', 'status_code'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.busRequests = new Counter({
      name: 'portcullis_bus_requests_handled_total',
      help: 'Bus requests handled by this service, by subject and outcome.',
      labelNames: ['subject', 'outcome'],
      registers,
    });
    this.busDuration = new Histogram({
      name: 'portcullis_bus_handler_duration_seconds',
      help: 'Time from receiving a bus request to sending its reply.',
      labelNames: ['subject', 'outcome'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.busClientRequests = new Counter({
      name: 'portcullis_bus_requests_sent_total',
      help: 'Bus requests sent by this service, by subject and outcome.',
      labelNames: ['subject', 'outcome'],
      registers,
    });
    this.eventsPublished = new Counter({
      name: 'portcullis_events_published_total',
      help: 'Events published to JetStream, by type and outcome.',
      labelNames: ['type', 'outcome'],
      registers,
    });
    this.dependencyUp = new Gauge({
      name: 'portcullis_dependency_up',
      help: '1 when the dependency answered the last readiness check, else 0.',
      labelNames: ['dependency'],
      registers,
    });
  }
}
