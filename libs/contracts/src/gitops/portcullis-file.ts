import * as z from 'zod';

/**
 * `portcullis.yaml`: the GitOps seed of a Portcullis installation — which MCP servers exist, how they run, and which
 * gateways expose them. Objects are strict so that a typo (`prefixmode`) is an error, not a silently ignored key.
 */

const slugSchema = (max: number) =>
  z
    .string()
    .max(max)
    .regex(/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/, {
      error: 'must be lower-case letters, digits and dashes, starting and ending with a letter or digit',
    });

/** Server ids prefix tool names (`server__tool`, 64 characters at most), so they are kept short and `_`-free. */
export const serverIdSchema = slugSchema(32);
export const gatewayIdSchema = slugSchema(63);

/** How the aggregated view names tools: see the gateway's tool-name builder. */
export const toolPrefixModeSchema = z.enum(['always', 'on-conflict', 'never']);
export type ToolPrefixMode = z.infer<typeof toolPrefixModeSchema>;

/** YAML turns `DEBUG: true` and `PORT: 3000` into a boolean and a number; for env and headers they mean the text. */
const scalarText = z.union([z.string(), z.number(), z.boolean()]).transform(String);

const envNameSchema = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'must be a valid environment variable name' });
const headerNameSchema = z
  .string()
  .regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, { error: 'must be a valid HTTP header name' });
const headerValueSchema = scalarText.refine((value) => !/[\r\n\0]/.test(value), {
  error: 'must not contain line breaks',
});

/** A host the sandbox may reach: `api.github.com`, `*.github.com`, `10.0.0.0/8`, `[2001:db8::/32]`, optional `:port`. */
const networkTargetSchema = z
  .string()
  .regex(
    /^(?:(?:\*\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)*|\d{1,3}(?:\.\d{1,3}){3}(?:\/\d{1,2})?|\[[0-9a-f:.]+(?:\/\d{1,3})?\])(?::\d{1,5})?$/i,
    { error: 'must be a host name, *.domain, IPv4 address/CIDR or [IPv6 address/CIDR], with an optional :port' },
  );

/** Resource limits of one instance; absent values take the orchestrator's defaults. */
export const localLimitsSchema = z.strictObject({
  memoryMb: z.int().min(16).max(262_144).optional(),
  cpus: z.number().positive().max(256).optional(),
  /** Processes and threads inside the sandbox: the fork-bomb guard. */
  pids: z.int().min(1).max(32_768).optional(),
  /** Stop an instance nobody used for this long; 0 keeps it running. */
  idleTimeoutSeconds: z.int().min(0).optional(),
  /** Instances of this server at most, across all users. */
  maxInstances: z.int().min(1).optional(),
});

export const localRuntimeSchema = z.strictObject({
  type: z.literal('local'),
  command: z.string().min(1),
  args: z.array(z.string()).default([]),
  env: z.record(envNameSchema, scalarText).default({}),
  /** No network unless listed: the sandbox's egress allow-list. */
  network: z.strictObject({ allow: z.array(networkTargetSchema).default([]) }).prefault({}),
  limits: localLimitsSchema.prefault({}),
});
export type LocalRuntime = z.infer<typeof localRuntimeSchema>;

export const remoteRuntimeSchema = z.strictObject({
  type: z.literal('remote'),
  url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }),
  transport: z.enum(['streamable-http', 'sse']).default('streamable-http'),
  headers: z.record(headerNameSchema, headerValueSchema).default({}),
});
export type RemoteRuntime = z.infer<typeof remoteRuntimeSchema>;

export const serverRuntimeSchema = z.discriminatedUnion('type', [localRuntimeSchema, remoteRuntimeSchema]);

export const portcullisServerSchema = z.strictObject({
  id: serverIdSchema,
  name: z.string().min(1).max(200),
  description: z.string().max(2000).optional(),
  runtime: serverRuntimeSchema,
});
export type PortcullisServer = z.infer<typeof portcullisServerSchema>;

export const portcullisGatewaySchema = z
  .strictObject({
    id: gatewayIdSchema,
    /** The URL segment in `/v1/mcp/{slug}`; defaults to the id. */
    slug: gatewayIdSchema.optional(),
    name: z.string().min(1).max(200),
    description: z.string().max(2000).optional(),
    prefixMode: toolPrefixModeSchema.default('always'),
    /** Server ids, in the order the aggregated view lists them. */
    servers: z.array(serverIdSchema).default([]),
    /**
     * The clients of this gateway feed untrusted content (web pages, e-mail, tickets) into the model's context: once
     * such data has entered, tools that can exfiltrate are blocked by policy (the lethal-trifecta defence).
     */
    untrustedContext: z.boolean().default(false),
  })
  .transform((gateway) => ({ ...gateway, slug: gateway.slug ?? gateway.id }));
export type PortcullisGateway = z.infer<typeof portcullisGatewaySchema>;

export const portcullisFileSchema = z
  .strictObject({
    /** The file format; a breaking change gets a new number. */
    version: z.literal(1),
    servers: z.array(portcullisServerSchema).default([]),
    gateways: z.array(portcullisGatewaySchema).default([]),
  })
  .superRefine((file, ctx) => {
    const serverIds = new Set<string>();
    file.servers.forEach((server, i) => {
      if (serverIds.has(server.id))
        ctx.addIssue({ code: 'custom', path: ['servers', i, 'id'], message: `duplicate server id "${server.id}"` });
      serverIds.add(server.id);
    });
    const gatewayIds = new Set<string>();
    const slugs = new Set<string>();
    file.gateways.forEach((gateway, i) => {
      if (gatewayIds.has(gateway.id))
        ctx.addIssue({ code: 'custom', path: ['gateways', i, 'id'], message: `duplicate gateway id "${gateway.id}"` });
      if (slugs.has(gateway.slug))
        ctx.addIssue({
          code: 'custom',
          path: ['gateways', i, 'slug'],
          message: `duplicate gateway slug "${gateway.slug}"`,
        });
      gatewayIds.add(gateway.id);
      slugs.add(gateway.slug);
      const assigned = new Set<string>();
      gateway.servers.forEach((id, j) => {
        const path = ['gateways', i, 'servers', j];
        if (!serverIds.has(id)) ctx.addIssue({ code: 'custom', path, message: `unknown server "${id}"` });
        if (assigned.has(id)) ctx.addIssue({ code: 'custom', path, message: `server "${id}" is assigned twice` });
        assigned.add(id);
      });
    });
  });
export type PortcullisFile = z.infer<typeof portcullisFileSchema>;
