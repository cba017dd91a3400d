import { z } from 'zod';

const ms = (fallback: number, min: number, describe: string) =>
  z.coerce
    .number()
    .int()
    .min(min)
    .max(365 * 24 * 3_600_000)
    .default(fallback)
    .describe(describe);

/** Settings of the installation-request workflow (BullMQ on the registry's Redis). */
export const workflowEnvShape = {
  REQUESTS_WEBHOOK_URL: z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
    .optional()
    .describe(
      'Installation requests: URL POSTed (JSON, retried with backoff) when a request is created or reminded; unset: events only.',
    ),
  REQUESTS_REMIND_AFTER_MS: ms(
    24 * 3_600_000,
    100,
    'Installation requests: remind approvers (event and webhook) when a request waited this long.',
  ),
  REQUESTS_EXPIRE_AFTER_MS: ms(
    7 * 24 * 3_600_000,
    100,
    'Installation requests: a request nobody decided on within this time is declined automatically (expired).',
  ),
  DEPLOY_ATTEMPTS: z.coerce
    .number()
    .int()
    .min(1)
    .max(100)
    .default(5)
    .describe('Attempts of an installation deploy (start, discover tools) before it is marked failed.'),
  DEPLOY_BACKOFF_MS: ms(2_000, 10, 'First retry delay of a failed deploy; doubles with every further attempt.'),
  DEPLOY_DISCOVERY_TIMEOUT_MS: ms(
    120_000,
    1_000,
    'How long the orchestrator may take to start a server and list its tools during a deploy.',
  ),
  WORKFLOW_LOCK_MS: ms(
    30_000,
    1_000,
    'BullMQ job lock: a job whose registry died is picked up again this long after its last lock renewal.',
  ),
  WORKFLOW_SWEEP_INTERVAL_MS: ms(
    60_000,
    500,
    'How often the registry re-schedules workflow jobs that a crash between commit and enqueue left out.',
  ),
};
