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
    .describe('Bearer token with full admin rights (until real identities arrive); `npm start` generates one.'),
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
  MCP_ALLOWED_ORIGINS: list.describe(
    'Browser origins allowed to call MCP endpoints (comma-separated); loopback is always allowed.',
  ),
  MCP_ALLOWED_HOSTS: list.describe(
    'Host names the MCP endpoints answer to (comma-separated); empty: any (behind an ingress).',
  ),
});
export type GatewayEnv = z.infer<typeof gatewayEnv>;
