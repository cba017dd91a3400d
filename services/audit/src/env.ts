import { baseEnvShape, httpPortShape, databaseEnvShape, databaseSchemaShape } from '@portcullis/config';
import { z } from 'zod';

const count = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/** What the audit service needs beyond the kit: ingestion sizes, the chain key, partitions and retention. */
export const auditChainKeyShape = {
  AUDIT_CHAIN_KEY: z
    .string()
    .min(16, 'must be at least 16 characters')
    .optional()
    .describe(
      'Secret key of the tamper-evident hash chain (HMAC-SHA256); unset: plain SHA-256, which anyone with write access to the database could recompute.',
    ),
};

export const auditEnv = z.object({
  ...baseEnvShape,
  ...httpPortShape(3005),
  ...databaseEnvShape,
  ...databaseSchemaShape('audit'),
  ...auditChainKeyShape,
  AUDIT_BATCH_SIZE: count(1, 20_000)
    .default(2_000)
    .describe('Events stored per transaction at most (batches grow with the backlog, up to this).'),
  AUDIT_FETCH_SIZE: count(1, 50_000)
    .default(4_000)
    .describe('Events pulled from the stream ahead of the batch being stored.'),
  AUDIT_ACK_WAIT_MS: count(1_000, 3_600_000)
    .default(30_000)
    .describe('How long the stream waits for an acknowledgement before redelivering an event.'),
  AUDIT_PARTITIONS_AHEAD_DAYS: count(1, 365)
    .default(7)
    .describe('Daily partitions of audit.events created ahead of time (from yesterday to this many days ahead).'),
  AUDIT_RETENTION_DAYS: count(0, 36_500)
    .default(90)
    .describe(
      'Days of events kept; older daily partitions are dropped (their chain ranges recorded). 0: keep forever.',
    ),
  AUDIT_MAINTENANCE_INTERVAL_MS: count(1_000, 86_400_000)
    .default(3_600_000)
    .describe('How often partitions are created ahead and retention runs (one replica at a time).'),
  AUDIT_ROLLUP_INTERVAL_MS: count(50, 600_000)
    .default(500)
    .describe('How often new events are folded into the hourly rollups (aggregates add the rest on the fly).'),
  AUDIT_ROLLUP_CHUNK: count(100, 1_000_000)
    .default(50_000)
    .describe('Events folded into the rollups per transaction at most.'),
});

export type AuditEnv = z.infer<typeof auditEnv>;
