import type { JobsOptions } from 'bullmq';

/** The one BullMQ queue of the installation-request workflow (under `<REDIS_KEY_PREFIX>bull`). */
export const WORKFLOW_QUEUE = 'installation-workflow';

/** Job names; every job id is `<name>-<request or installation id>`, so scheduling a step twice keeps one job. */
export enum WorkflowJob {
  /** POST the webhook about a new request. */
  Notify = 'notify',
  /** Remind approvers of a request still pending. */
  Remind = 'remind',
  /** Decline a request nobody decided on in time. */
  Expire = 'expire',
  /** Start an approved installation once, discover and pin its tools, assign it to its gateways. */
  Deploy = 'deploy',
}

export interface RequestJobData {
  requestId: string;
}
export interface DeployJobData {
  installationId: string;
}
export type WorkflowJobData = RequestJobData | DeployJobData;

export const jobId = (name: WorkflowJob, key: string): string => `${name}-${key}`;

/** Kept long enough to inspect; failed jobs are kept for the reason. */
export const DEFAULT_JOB_OPTIONS: JobsOptions = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 1_000 },
  removeOnComplete: { age: 7 * 24 * 3600, count: 10_000 },
  removeOnFail: { age: 30 * 24 * 3600 },
};
