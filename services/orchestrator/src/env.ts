import { join } from 'node:path';
import {
  baseEnvShape,
  databaseEnvShape,
  databaseSchemaShape,
  httpPortShape,
  portcullisFileEnvShape,
} from '@portcullis/config';
import { z } from 'zod';

/** A comma-separated list in the environment; empty entries dropped. */
const commaList = z
  .string()
  .default('')
  .transform((value) =>
    value
      .split(',')
      .map((entry) => entry.trim())
      .filter((entry) => entry.length > 0),
  );

export const orchestratorUpstreamEnvShape = {
  ORCHESTRATOR_UPSTREAM_ALLOWED_HOSTS: commaList.describe(
    'Remote MCP servers: host names (exact or *.domain) that may resolve to internal addresses. Empty: none.',
  ),
  ORCHESTRATOR_UPSTREAM_ALLOWED_CIDRS: commaList.describe(
    'Remote MCP servers: internal address ranges that may be reached (e.g. 10.20.0.0/16). Empty: only public addresses.',
  ),
};

export const orchestratorEnv = z.object({
  ...baseEnvShape,
  ...httpPortShape(3002),
  // Only the event outbox lives here (runtime state stays in memory); calls are served without Postgres.
  ...databaseEnvShape,
  ...databaseSchemaShape('orchestrator'),
  ...portcullisFileEnvShape,
  ORCHESTRATOR_STATE_DIR: z
    .string()
    .min(1)
    .default(join('.data', 'orchestrator'))
    .describe("Holds the working directories of this worker's sandboxed MCP server instances."),
  ORCHESTRATOR_MAX_INSTANCES: z.coerce
    .number()
    .int()
    .min(1)
    .max(10_000)
    .default(32)
    .describe('Local MCP server processes this worker runs at most (one per client session of a stdio server).'),
  ...orchestratorUpstreamEnvShape,
});
export type OrchestratorEnv = z.infer<typeof orchestratorEnv>;
