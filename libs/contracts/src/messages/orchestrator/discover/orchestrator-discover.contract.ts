import * as z from 'zod';
import { defineRequest } from '../../../contract/define-contract';
import { localRuntimeSchema, portcullisServerSchema, remoteRuntimeSchema } from '../../../gitops/portcullis-file';

/** A definition as the server lists it; fields beyond the ones named are kept as they came. */
export const discoveredToolSchema = z.looseObject({
  name: z.string().min(1),
  title: z.string().optional(),
  description: z.string().optional(),
  inputSchema: z.record(z.string(), z.unknown()),
  outputSchema: z.record(z.string(), z.unknown()).optional(),
  annotations: z.record(z.string(), z.unknown()).optional(),
});
export type DiscoveredTool = z.infer<typeof discoveredToolSchema>;

export const discoveredPromptSchema = z.looseObject({ name: z.string().min(1), description: z.string().optional() });
export const discoveredResourceSchema = z.looseObject({ uri: z.string().min(1), name: z.string() });

/**
 * A server to run, in the GitOps `PortcullisServer` shape, its environment and headers already text (as the registry
 * sends them): the shape has no transforms, so the contract has a JSON Schema.
 */
export const discoverServerSchema = portcullisServerSchema.extend({
  runtime: z.discriminatedUnion('type', [
    localRuntimeSchema.extend({ env: z.record(z.string(), z.string()).default({}) }),
    remoteRuntimeSchema.extend({ headers: z.record(z.string(), z.string()).default({}) }),
  ]),
});

/**
 * `orchestrator.v1.discover`: any orchestrator worker starts the server once (sandboxed as always), initialises an
 * MCP session, lists every tool, prompt and resource (following pagination), stops it and answers the definitions.
 * The runtime may carry decrypted credentials: this message is never logged or turned into an event.
 */
export const orchestratorDiscover = defineRequest({
  subject: 'orchestrator.v1.discover',
  description: 'Start a server once, list its tools, prompts and resources, stop it; answers the definitions.',
  request: z.strictObject({
    server: discoverServerSchema,
    /** How long starting and listing may take together. */
    timeoutMs: z.int().min(1_000).max(600_000).default(60_000),
  }),
  response: z.object({
    serverInfo: z.object({ name: z.string(), version: z.string() }),
    tools: z.array(discoveredToolSchema),
    prompts: z.array(discoveredPromptSchema),
    resources: z.array(discoveredResourceSchema),
    durationMs: z.number().min(0),
  }),
});
