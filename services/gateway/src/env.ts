import {
  baseEnvShape,
  databaseEnvShape,
  databaseSchemaShape,
  httpPortShape,
  portcullisFileEnvShape,
  redisEnvShape,
} from '@portcullis/config';
import { z } from 'zod';

const list = z
  .string()
  .default('')
  .transform((value) =>
    value
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  );

export const gatewayEnv = z.object({
  ...baseEnvShape,
  ...httpPortShape(3000),
  // Only the event outbox lives here: the gateway keeps no domain state, and serves MCP without Postgres.
  ...databaseEnvShape,
  ...databaseSchemaShape('gateway'),
  ...redisEnvShape,
  ...portcullisFileEnvShape,
  ADMIN_TOKEN: z
    .string()
    .min(32, 'must be at least 32 characters')
    .describe(
      'Bootstrap bearer token: platform admin (creates organisations) and admin of the `default` organisation; `npm start` generates one. Everyone else uses API tokens or console sessions from the registry.',
    ),
  MCP_SESSION_SECRET: z
    .string()
    .min(32, 'must be at least 32 characters')
    .optional()
    .describe(
      'Key that signs MCP session ids; every gateway replica needs the same one (default: derived from ADMIN_TOKEN).',
    ),
  MCP_REQUEST_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .positive()
    .default(60_000)
    .describe('How long an MCP request may take upstream before the client gets a timeout error.'),
  MCP_INPUT_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .positive()
    .max(3_600_000)
    .default(300_000)
    .describe(
      'How long a 2026-07-28 request that asked the client for input (elicitation, sampling, roots) waits for the retry before its upstream call is cancelled.',
    ),
  MCP_LIST_PAGE_SIZE: z.coerce
    .number()
    .int()
    .min(1)
    .max(10_000)
    .default(500)
    .describe('Items per page of the aggregated tools/prompts/resources lists (later pages via signed cursors).'),
  MCP_SSE_RETRY_MS: z.coerce
    .number()
    .int()
    .min(0)
    .max(600_000)
    .default(1_000)
    .describe('`retry` sent with the priming event of every MCP SSE stream: how long a client waits before resuming.'),
  MCP_SSE_LOG_MAX_EVENTS: z.coerce
    .number()
    .int()
    .min(1)
    .max(100_000)
    .default(1_000)
    .describe('Events kept per MCP SSE stream in Redis for resumption (Last-Event-ID); older ones are dropped.'),
  MCP_SSE_LOG_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1_024)
    .max(64 * 1024 * 1024)
    .default(1024 * 1024)
    .describe('Bytes kept per MCP SSE stream in Redis for resumption; beyond them the oldest events are dropped.'),
  MCP_SSE_LOG_TTL_MS: z.coerce
    .number()
    .int()
    .min(1_000)
    .max(86_400_000)
    .default(300_000)
    .describe('How long an MCP SSE stream can be resumed after its last event (or after it ended).'),
  MCP_SSE_GET_LINGER_MS: z.coerce
    .number()
    .int()
    .min(0)
    .max(3_600_000)
    .default(30_000)
    .describe(
      'How long a GET stream goes on recording session events after its client left, for the client to resume it.',
    ),
  MCP_ALLOWED_ORIGINS: list.describe(
    'Browser origins allowed to call MCP endpoints (comma-separated); loopback is always allowed.',
  ),
  MCP_ALLOWED_HOSTS: list.describe(
    'Host names the MCP endpoints answer to (comma-separated); empty: any (behind an ingress).',
  ),
});
export type GatewayEnv = z.infer<typeof gatewayEnv>;
