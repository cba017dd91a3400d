import * as z from 'zod';
import { defineRequest } from '../../../contract/define-contract';
import { serverIdSchema } from '../../../gitops/portcullis-file';

/** A server's runtime as it travels (the PortcullisServer shape of portcullis.yaml, already normalised). */
export const runtimeServerSchema = z.object({
  id: serverIdSchema,
  name: z.string(),
  description: z.string().optional(),
  runtime: z.discriminatedUnion('type', [
    z.object({
      type: z.literal('local'),
      command: z.string().min(1),
      args: z.array(z.string()),
      env: z.record(z.string(), z.string()),
      network: z.object({ allow: z.array(z.string()) }),
      limits: z.object({
        memoryMb: z.int().optional(),
        cpus: z.number().optional(),
        pids: z.int().optional(),
        idleTimeoutSeconds: z.int().optional(),
        maxInstances: z.int().optional(),
      }),
    }),
    z.object({
      type: z.literal('remote'),
      url: z.string().regex(/^https?:\/\//),
      transport: z.enum(['streamable-http', 'sse']),
      headers: z.record(z.string(), z.string()),
    }),
  ]),
});

/**
 * `registry.v1.gateway.servers`: the orchestrator asks how to run the servers of a gateway (by its UUID). Answers
 * runtime definitions built from catalog entry + installation configuration + decrypted credentials: this reply is
 * the one place credentials travel, on the internal bus only, never in REST, logs or events.
 */
export const registryGatewayServers = defineRequest({
  subject: 'registry.v1.gateway.servers',
  description: "Runtime definitions (with credentials) of a gateway's ready servers, for the orchestrator.",
  request: z.object({ gatewayId: z.uuid() }).strict(),
  response: z.discriminatedUnion('found', [
    z.object({ found: z.literal(false) }),
    z.object({ found: z.literal(true), servers: z.array(runtimeServerSchema) }),
  ]),
});
