import { Injectable } from '@nestjs/common';
import { Metrics } from '@portcullis/observability';
import { Counter } from 'prom-client';

/** Gateway authentication metrics; one instance per process however many modules use the guard. */
@Injectable()
export class AuthMetrics {
  readonly failures: Counter<'reason'>;

  constructor(metrics: Metrics) {
    this.failures = new Counter({
      name: 'portcullis_gateway_auth_failures_total',
      help: 'Requests refused for a missing or wrong bearer token.',
      labelNames: ['reason'],
      registers: [metrics.registry],
    });
  }
}
