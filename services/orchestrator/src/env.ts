import { join } from 'node:path';
import { baseEnvShape, httpPortShape, portcullisFileEnvShape } from '@portcullis/config';
import { z } from 'zod';

export const orchestratorEnv = z.object({
  ...baseEnvShape,
  ...httpPortShape(3002),
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
});
export type OrchestratorEnv = z.infer<typeof orchestratorEnv>;
