import { Injectable } from '@nestjs/common';
import { Metrics } from '@portcullis/observability';
import { Counter, Gauge, Histogram } from 'prom-client';

/** Seconds a batch transaction may take: from a few ms (small batches) to seconds (a backlog under load). */
const BATCH_BUCKETS = [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** The audit service's own metrics (`portcullis_audit_*`), on the service's registry. */
@Injectable()
export class AuditMetrics {
  readonly ingested: Counter<'outcome'>;
  readonly batchDuration: Histogram;
  readonly chainHeadSeq: Gauge;
  readonly deadLetters: Counter;
  readonly partitions: Gauge;
  readonly retentionDrops: Counter;
  readonly rollupPending: Gauge;

  constructor(metrics: Metrics) {
    const registers = [metrics.registry];
    this.ingested = new Counter({
      name: 'portcullis_audit_events_ingested_total',
      help: 'Events taken from the stream, by outcome (stored, duplicate, dead_letter).',
      labelNames: ['outcome'],
      registers,
    });
    for (const outcome of ['stored', 'duplicate', 'dead_letter']) this.ingested.inc({ outcome }, 0);
    this.batchDuration = new Histogram({
      name: 'portcullis_audit_batch_insert_duration_seconds',
      help: 'Duration of one ingestion transaction (lock chain head, dedupe, hash, insert, commit).',
      buckets: BATCH_BUCKETS,
      registers,
    });
    this.chainHeadSeq = new Gauge({
      name: 'portcullis_audit_chain_head_seq',
      help: 'chain_seq of the newest row of the hash chain, as last committed by this replica.',
      registers,
    });
    this.deadLetters = new Counter({
      name: 'portcullis_audit_dead_letters_total',
      help: 'Messages kept in dead_letters (invalid envelopes, or values Postgres refused).',
      registers,
    });
    this.partitions = new Gauge({
      name: 'portcullis_audit_partitions',
      help: 'Daily partitions of the events table (the default partition not counted).',
      registers,
    });
    this.retentionDrops = new Counter({
      name: 'portcullis_audit_retention_dropped_partitions_total',
      help: 'Daily partitions dropped by retention (their chain ranges recorded in chain_retired).',
      registers,
    });
    this.rollupPending = new Gauge({
      name: 'portcullis_audit_rollup_pending_events',
      help: 'Events stored but not yet folded into the hourly rollups (aggregates add them on the fly).',
      registers,
    });
  }
}
