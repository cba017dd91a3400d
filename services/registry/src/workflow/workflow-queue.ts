import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '@portcullis/config';
import { LOGGER } from '@portcullis/service-kit';
import { type Job, type JobsOptions, Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { RegistryEnv } from '../env';
import {
  DEFAULT_JOB_OPTIONS,
  type DeployJobData,
  jobId,
  type RequestJobData,
  WORKFLOW_QUEUE,
  WorkflowJob,
  type WorkflowJobData,
} from './workflow-jobs';

const ENQUEUE_TIMEOUT_MS = 3_000;

export type WorkflowProcessor = (job: Job<WorkflowJobData>) => Promise<unknown>;

/**
 * The workflow's queue and worker on the registry's Redis. Enqueueing never fails a request: a job Redis did not
 * take is scheduled again by the reconciler from the database state.
 */
@Injectable()
export class WorkflowQueue implements OnApplicationShutdown {
  readonly queue: Queue<WorkflowJobData>;
  private worker?: Worker<WorkflowJobData>;
  private readonly connections: Redis[] = [];
  private readonly prefix: string;

  constructor(
    private readonly config: AppConfig<RegistryEnv>,
    @Inject(LOGGER) private readonly log: Logger,
  ) {
    this.prefix = `${config.get('REDIS_KEY_PREFIX')}bull`;
    this.queue = new Queue<WorkflowJobData>(WORKFLOW_QUEUE, {
      connection: this.connect({ maxRetriesPerRequest: 1 }),
      prefix: this.prefix,
      defaultJobOptions: DEFAULT_JOB_OPTIONS,
    });
    this.queue.on('error', (error) => this.log.debug({ err: error }, 'workflow queue: Redis error'));
  }

  /** Starts processing (one worker per replica; jobs are shared by all). */
  start(processor: WorkflowProcessor): void {
    if (this.worker) return;
    const lockDuration = this.config.get('WORKFLOW_LOCK_MS');
    this.worker = new Worker<WorkflowJobData>(WORKFLOW_QUEUE, processor, {
      connection: this.connect({ maxRetriesPerRequest: null }),
      prefix: this.prefix,
      concurrency: 4,
      lockDuration,
      stalledInterval: lockDuration,
      // A job whose registry was killed is stalled, not failed: let it resume several times.
      maxStalledCount: 10,
    });
    this.worker.on('error', (error) => this.log.debug({ err: error }, 'workflow worker: Redis error'));
    this.worker.on('failed', (job, error) =>
      this.log.warn({ job: job?.id, attempts: job?.attemptsMade, err: error }, 'workflow job attempt failed'),
    );
  }

  /** The webhook delivery of a new request (approvers learn of it from its event either way). */
  async notify(requestId: string): Promise<void> {
    if (this.config.get('REQUESTS_WEBHOOK_URL') === undefined) return;
    await this.add(WorkflowJob.Notify, { requestId });
  }

  remind(requestId: string, at: Date): Promise<void> {
    return this.add(WorkflowJob.Remind, { requestId }, { delay: Math.max(0, at.getTime() - Date.now()) });
  }

  expire(requestId: string, at: Date): Promise<void> {
    return this.add(WorkflowJob.Expire, { requestId }, { delay: Math.max(0, at.getTime() - Date.now()) });
  }

  deploy(installationId: string): Promise<void> {
    return this.add(
      WorkflowJob.Deploy,
      { installationId },
      {
        attempts: this.config.get('DEPLOY_ATTEMPTS'),
        backoff: { type: 'exponential', delay: this.config.get('DEPLOY_BACKOFF_MS') },
      },
    );
  }

  /** Removes the timers of a decided request (they would find it decided and do nothing anyway). */
  async cancelTimers(requestId: string): Promise<void> {
    for (const name of [WorkflowJob.Remind, WorkflowJob.Expire]) {
      await this.withTimeout(this.queue.remove(jobId(name, requestId))).catch(() => undefined);
    }
  }

  /**
   * Makes sure a job of this id will run, for a step the database (read at `readAt`) says is not done: a job that
   * ended before that read is replaced; one that ended since may have done the step, and is left alone.
   */
  async ensure(
    name: WorkflowJob,
    data: RequestJobData | DeployJobData,
    readAt: number,
    options: JobsOptions = {},
  ): Promise<void> {
    const id = jobId(name, 'requestId' in data ? data.requestId : data.installationId);
    const existing = await this.queue.getJob(id);
    if (existing) {
      const state = await existing.getState();
      if (state !== 'completed' && state !== 'failed') return;
      if ((existing.finishedOn ?? 0) >= readAt) return;
      await existing.remove();
    }
    if (name === WorkflowJob.Deploy) await this.deploy((data as DeployJobData).installationId);
    else await this.add(name, data, options);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.worker?.close().catch(() => undefined);
    await this.queue.close().catch(() => undefined);
    for (const connection of this.connections) connection.disconnect();
  }

  private async add(name: WorkflowJob, data: WorkflowJobData, options: JobsOptions = {}): Promise<void> {
    const id = jobId(name, 'requestId' in data ? data.requestId : data.installationId);
    try {
      await this.withTimeout(this.queue.add(name, data, { ...options, jobId: id }));
    } catch (error) {
      this.log.warn({ err: error, job: id }, 'workflow job not scheduled now; the reconciler schedules it later');
    }
  }

  private withTimeout<T>(work: Promise<T>): Promise<T> {
    return Promise.race([
      work,
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error('Redis did not answer in time')), ENQUEUE_TIMEOUT_MS).unref(),
      ),
    ]);
  }

  private connect(options: { maxRetriesPerRequest: number | null }): Redis {
    const connection = new Redis(this.config.get('REDIS_URL'), {
      ...options,
      connectionName: 'portcullis-registry-workflow',
      retryStrategy: (times) => Math.min(200 * 2 ** Math.min(times, 6), 5_000),
    });
    connection.on('error', () => undefined);
    this.connections.push(connection);
    return connection;
  }
}
