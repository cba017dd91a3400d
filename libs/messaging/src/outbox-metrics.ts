import type { Metrics } from '@portcullis/observability';
import { Counter, Gauge } from 'prom-client';

export type OutboxOutcome = 'written' | 'relayed' | 'failed';

/** The outbox's metrics, in the service's registry (its default labels name the service). */
export class OutboxMetrics {
  readonly pending: Gauge;
  readonly events: Counter<'outcome'>;

  constructor(metrics: Metrics) {
    const registers = [metrics.registry];
    // One registry per process; a second publisher in the same process (tests) shares the same series.
    this.pending =
      (metrics.registry.getSingleMetric('portcullis_outbox_pending_events') as Gauge | undefined) ??
      new Gauge({
        name: 'portcullis_outbox_pending_events',
        help: 'Events waiting in the outbox for the stream (every replica of the service shares the outbox).',
        registers,
      });
    this.events =
      (metrics.registry.getSingleMetric('portcullis_outbox_events_total') as Counter<'outcome'> | undefined) ??
      new Counter({
        name: 'portcullis_outbox_events_total',
        help: 'Outbox traffic: written (the stream had not acknowledged), relayed (acknowledged and removed), failed.',
        labelNames: ['outcome'],
        registers,
      });
    for (const outcome of ['written', 'relayed', 'failed'] as const) this.events.inc({ outcome }, 0);
  }

  count(outcome: OutboxOutcome, n = 1): void {
    if (n > 0) this.events.inc({ outcome }, n);
  }
}
