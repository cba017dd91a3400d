import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '@portcullis/config';
import { LOGGER } from '@portcullis/service-kit';
import type { Job } from 'bullmq';
import type { Logger } from 'pino';
import type { RegistryEnv } from '../env';
import { RegistryDb } from '../http/registry-db';
import { DeployStep } from './deploy-step';
import { RequestTimerSteps } from './request-timer-steps';
import { ApprovalWebhook } from './approval-webhook';
import { type DeployJobData, type RequestJobData, WorkflowJob, type WorkflowJobData } from './workflow-jobs';
import { WorkflowQueue } from './workflow-queue';

const SWEEP_BATCH = 500;

/**
 * Runs the workflow's jobs, and reconciles the queue with the database: every pending request gets its timers and
 * every approved or deploying installation its deploy job, at start-up and then periodically. That covers a crash
 * between a commit and the enqueue that follows it, and a Redis that lost its data.
 */
@Injectable()
export class WorkflowRunner implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;
  private sweeping?: Promise<void>;

  constructor(
    private readonly queue: WorkflowQueue,
    private readonly timers: RequestTimerSteps,
    private readonly deploy: DeployStep,
    private readonly webhook: ApprovalWebhook,
    private readonly db: RegistryDb,
    private readonly config: AppConfig<RegistryEnv>,
    @Inject(LOGGER) private readonly log: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.queue.start((job) => this.process(job));
    const interval = this.config.get('WORKFLOW_SWEEP_INTERVAL_MS');
    const tick = () => {
      this.sweeping ??= this.sweep().finally(() => (this.sweeping = undefined));
    };
    // The first sweep waits a moment for Postgres; later ones follow the interval.
    setTimeout(tick, Math.min(interval, 1_000)).unref();
    this.timer = setInterval(tick, interval);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.sweeping;
  }

  async process(job: Job<WorkflowJobData>): Promise<string> {
    switch (job.name as WorkflowJob) {
      case WorkflowJob.Notify:
        return this.timers.notify((job.data as RequestJobData).requestId);
      case WorkflowJob.Remind:
        return this.timers.remind((job.data as RequestJobData).requestId);
      case WorkflowJob.Expire:
        return this.timers.expire((job.data as RequestJobData).requestId);
      case WorkflowJob.Deploy:
        return this.deploy.run((job.data as DeployJobData).installationId, {
          made: job.attemptsMade,
          max: job.opts.attempts ?? 1,
        });
      default:
        throw new Error(`unknown workflow job ${job.name}`);
    }
  }

  /** Schedules what the database says should be scheduled; scheduling something twice keeps one job. */
  async sweep(): Promise<void> {
    try {
      const readAt = Date.now();
      const pending = await this.db.query<{
        id: string;
        remind_at: Date;
        expires_at: Date;
        notified_at: Date | null;
        reminded_at: Date | null;
      }>(
        `SELECT id, remind_at, expires_at, notified_at, reminded_at FROM installation_requests
          WHERE status = 'pending' ORDER BY id LIMIT $1`,
        [SWEEP_BATCH],
      );
      for (const row of pending) {
        const data = { requestId: row.id };
        if (this.webhook.configured && !row.notified_at) await this.queue.ensure(WorkflowJob.Notify, data, readAt);
        if (!row.reminded_at) {
          await this.queue.ensure(WorkflowJob.Remind, data, readAt, { delay: delayUntil(row.remind_at) });
        }
        await this.queue.ensure(WorkflowJob.Expire, data, readAt, { delay: delayUntil(row.expires_at) });
      }
      const deployReadAt = Date.now();
      const deploying = await this.db.query<{ id: string }>(
        `SELECT id FROM installations WHERE status IN ('approved', 'deploying') ORDER BY id LIMIT $1`,
        [SWEEP_BATCH],
      );
      for (const row of deploying) {
        await this.queue.ensure(WorkflowJob.Deploy, { installationId: row.id }, deployReadAt);
      }
    } catch (error) {
      this.log.debug({ err: error }, 'workflow sweep did not finish; the next one retries');
    }
  }
}

const delayUntil = (at: Date) => Math.max(0, at.getTime() - Date.now());
