import { z } from 'zod';

/**
 * The MCP Registry's `server.json` (schema 2025-12-11, static.modelcontextprotocol.io), as far as the catalog reads
 * it: the fields we map are checked with the published constraints, everything else passes through untouched.
 */
export const SERVER_JSON_SCHEMA_URL = 'https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json';

const inputShape = {
  description: z.string().optional(),
  isRequired: z.boolean().optional(),
  isSecret: z.boolean().optional(),
  format: z.enum(['string', 'number', 'boolean', 'filepath']).optional(),
  default: z.string().optional(),
  placeholder: z.string().optional(),
  value: z.string().optional(),
  choices: z.array(z.string()).optional(),
};
export const serverJsonInput = z.looseObject(inputShape);
export type ServerJsonInput = z.infer<typeof serverJsonInput>;

const inputWithVariablesShape = { ...inputShape, variables: z.record(z.string(), serverJsonInput).optional() };
export const serverJsonKeyValueInput = z.looseObject({ ...inputWithVariablesShape, name: z.string().min(1) });
export type ServerJsonKeyValueInput = z.infer<typeof serverJsonKeyValueInput>;

const positionalArgument = z
  .looseObject({
    ...inputWithVariablesShape,
    type: z.literal('positional'),
    valueHint: z.string().min(1).optional(),
    isRepeated: z.boolean().optional(),
  })
  .refine((a) => a.value !== undefined || a.valueHint !== undefined, 'a positional argument needs value or valueHint');
const namedArgument = z.looseObject({
  ...inputWithVariablesShape,
  type: z.literal('named'),
  name: z.string().min(1),
  isRepeated: z.boolean().optional(),
});
export const serverJsonArgument = z.discriminatedUnion('type', [positionalArgument, namedArgument]);
export type ServerJsonArgument = z.infer<typeof serverJsonArgument>;

const urlTemplate = z.string().regex(/^https?:\/\/\S+$/, 'must be an http(s) URL');
const httpTransport = (type: 'streamable-http' | 'sse') =>
  z.looseObject({ type: z.literal(type), url: urlTemplate, headers: z.array(serverJsonKeyValueInput).optional() });

export const serverJsonPackage = z.looseObject({
  registryType: z.string().min(1),
  identifier: z.string().min(1),
  version: z
    .string()
    .min(1)
    .refine((v) => v !== 'latest', 'must be a specific version, not "latest"')
    .optional(),
  registryBaseUrl: z.url().optional(),
  runtimeHint: z.string().min(1).optional(),
  fileSha256: z
    .string()
    .regex(/^[a-f0-9]{64}$/)
    .optional(),
  transport: z.discriminatedUnion('type', [
    z.looseObject({ type: z.literal('stdio') }),
    httpTransport('streamable-http'),
    httpTransport('sse'),
  ]),
  runtimeArguments: z.array(serverJsonArgument).optional(),
  packageArguments: z.array(serverJsonArgument).optional(),
  environmentVariables: z.array(serverJsonKeyValueInput).optional(),
});
export type ServerJsonPackage = z.infer<typeof serverJsonPackage>;

const remoteOf = (type: 'streamable-http' | 'sse') =>
  httpTransport(type).extend({ variables: z.record(z.string(), serverJsonInput).optional() });
export const serverJsonRemote = z.discriminatedUnion('type', [remoteOf('streamable-http'), remoteOf('sse')]);
export type ServerJsonRemote = z.infer<typeof serverJsonRemote>;

export const serverJson = z.looseObject({
  $schema: z.string().optional(),
  name: z
    .string()
    .min(3)
    .max(200)
    .regex(/^[a-zA-Z0-9.-]+\/[a-zA-Z0-9._-]+$/, 'must be a reverse-DNS name with one "/", e.g. io.github.owner/server'),
  title: z.string().min(1).max(100).optional(),
  description: z.string().min(1).max(100),
  version: z.string().min(1).max(255),
  websiteUrl: z.url().optional(),
  repository: z.looseObject({ url: z.url(), source: z.string(), subfolder: z.string().optional() }).optional(),
  packages: z.array(serverJsonPackage).optional(),
  remotes: z.array(serverJsonRemote).optional(),
  _meta: z.record(z.string(), z.unknown()).optional(),
});
export type ServerJson = z.infer<typeof serverJson>;
