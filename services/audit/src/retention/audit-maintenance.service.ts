import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig } from '@portcullis/config';
import { Database } from '@portcullis/persistence';
import { LOGGER } from '@portcullis/service-kit';
import type { Logger } from 'pino';
import { ChainHasher } from '../chain/chain-hash';
import type { AuditEnv } from '../env';
import { AuditMetrics } from '../ingest/audit-metrics';
import { listPartitions, PartitionManager } from './partition-manager';
import { RetentionJob } from './retention-job';

/**
 * Partitions ahead and retention: once at start (ingestion waits for that first run, so a fresh day's events go
 * straight to their partition) and then every AUDIT_MAINTENANCE_INTERVAL_MS. Safe with any number of replicas:
 * each step runs under an advisory lock and a replica that does not get it skips.
 */
@Injectable()
export class AuditMaintenance implements OnApplicationBootstrap, BeforeApplicationShutdown {
  /** Settles after the first run (whether it succeeded or not). */
  readonly firstRun: Promise<void>;
  private settleFirstRun!: () => void;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly db: Database,
    private readonly config: AppConfig<AuditEnv>,
    private readonly hasher: ChainHasher,
    private readonly metrics: AuditMetrics,
    @Inject(LOGGER) private readonly log: Logger,
  ) {
    this.firstRun = new Promise((resolve) => (this.settleFirstRun = resolve));
  }

  onApplicationBootstrap(): void {
    void this.db.whenInitialised.then(async () => {
      await this.runOnce();
      this.settleFirstRun();
      if (this.stopped) return;
      this.timer = setInterval(() => void this.runOnce(), this.config.get('AUDIT_MAINTENANCE_INTERVAL_MS'));
      this.timer.unref();
    });
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.settleFirstRun();
    await this.running;
  }

  /** One run of both jobs; a run still going makes this a no-op. Errors are logged, never thrown. */
  runOnce(now = new Date()): Promise<void> {
    if (this.stopped) return Promise.resolve();
    this.running ??= this.maintain(now).finally(() => (this.running = undefined));
    return this.running;
  }

  private async maintain(now: Date): Promise<void> {
    const dataSource = this.db.dataSource;
    try {
      const created = await new PartitionManager(dataSource).ensure(
        now,
        this.config.get('AUDIT_PARTITIONS_AHEAD_DAYS'),
      );
      if (created && created.length > 0) this.log.info({ days: created }, 'audit partitions created');
      const dropped = await new RetentionJob(dataSource, this.hasher).run(now, this.config.get('AUDIT_RETENTION_DAYS'));
      if (dropped.length > 0) {
        this.metrics.retentionDrops.inc(dropped.length);
        this.log.info({ partitions: dropped }, 'audit partitions dropped by retention; chain ranges recorded');
      }
      this.metrics.partitions.set((await listPartitions(dataSource)).length);
    } catch (error) {
      this.log.warn({ err: error }, 'audit partition maintenance failed; retrying next run');
    }
  }
}
