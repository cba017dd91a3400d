import { z } from 'zod';
import { templateFields } from './templates';

const NAME = /^[A-Za-z0-9.-]+(\/[A-Za-z0-9._-]+)?$/;
const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,99}$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/;
// A host name (optionally *. wildcard) or IP literal, optionally with a port.
const HOST = /^(\*\.)?([A-Za-z0-9-]{1,63}\.)*[A-Za-z0-9-]{1,63}(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;

export const catalogSlug = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be 1-63 lowercase letters, digits or "-", starting with a letter or digit');

/** One value an installation provides: shown to the installer, validated on install, stored encrypted if secret. */
export const userConfigField = z.object({
  name: z.string().regex(FIELD_NAME, 'must start with a letter or "_" and hold letters, digits, "_", "." or "-"'),
  title: z.string().min(1).max(200).optional(),
  description: z.string().max(2000).optional(),
  required: z.boolean().default(false),
  secret: z.boolean().default(false),
  format: z.enum(['string', 'number', 'boolean', 'filepath']).default('string'),
  default: z.string().max(4000).optional(),
  placeholder: z.string().max(500).optional(),
  choices: z.array(z.string().max(500)).min(1).max(100).optional(),
  /** The value is a list (e.g. several allowed directories). */
  repeated: z.boolean().default(false),
});
export type UserConfigField = z.infer<typeof userConfigField>;

/** A value sent along: fixed text, or a template whose `{field}` placeholders name user-config fields. */
const template = z.string().max(4000);
const header = z.object({ name: z.string().regex(HEADER_NAME, 'must be an HTTP header name'), value: template });

const remoteAuth = z.discriminatedUnion('type', [
  z.object({ type: z.literal('none') }),
  /** `Authorization: Bearer <value of tokenField>`. */
  z.object({ type: z.literal('bearer'), tokenField: z.string().regex(FIELD_NAME) }),
  /** Credentials travel in `headers`; `fields` are the user-config fields they use. */
  z.object({ type: z.literal('header'), fields: z.array(z.string().regex(FIELD_NAME)).min(1).max(20) }),
  z.object({
    type: z.literal('oauth'),
    scopes: z.array(z.string().min(1).max(200)).max(50).default([]),
    clientIdField: z.string().regex(FIELD_NAME).optional(),
    clientSecretField: z.string().regex(FIELD_NAME).optional(),
  }),
]);

const httpUrlTemplate = z
  .string()
  .max(2000)
  .refine((url) => {
    if (!/^https?:\/\/\S+$/.test(url)) return false;
    try {
      new URL(url.replace(/\{[^{}]*\}/g, 'x'));
      return true;
    } catch {
      return false;
    }
  }, 'must be an http(s) URL ({field} placeholders allowed)');

export const remoteServer = z.object({
  kind: z.literal('remote'),
  transport: z.enum(['streamable-http', 'sse']),
  url: httpUrlTemplate,
  headers: z.array(header).max(50).default([]),
  auth: remoteAuth.default({ type: 'none' }),
});

/** Where a local server's code comes from, when it was imported from a package registry. */
export const packageOrigin = z.object({
  registryType: z.enum(['npm', 'pypi', 'oci']),
  identifier: z.string().min(1).max(500),
  version: z.string().min(1).max(255).optional(),
  registryBaseUrl: z.url().max(2000).optional(),
  runtimeHint: z.string().min(1).max(100).optional(),
  fileSha256: z
    .string()
    .regex(/^[a-f0-9]{64}$/)
    .optional(),
});
export type PackageOrigin = z.infer<typeof packageOrigin>;

export const localServer = z.object({
  kind: z.literal('local'),
  command: z.string().min(1).max(500),
  args: z.array(template).max(200).default([]),
  env: z
    .array(z.object({ name: z.string().regex(ENV_NAME, 'must be an environment variable name'), value: template }))
    .max(200)
    .default([]),
  /** Hosts the sandbox may reach; none means no network. */
  allowedHosts: z
    .array(z.string().regex(HOST, 'must be a host name, *.domain or IP, with an optional :port'))
    .max(100)
    .default([]),
  limits: z
    .object({
      memoryMb: z.number().int().min(16).max(262_144).optional(),
      cpus: z.number().min(0.05).max(256).optional(),
      processes: z.number().int().min(1).max(65_536).optional(),
    })
    .default({}),
  package: packageOrigin.optional(),
});

export const catalogServer = z.discriminatedUnion('kind', [remoteServer, localServer]);
export type CatalogServer = z.infer<typeof catalogServer>;

const fieldsUsedBy = (server: CatalogServer): { path: (string | number)[]; field: string }[] => {
  const used: { path: (string | number)[]; field: string }[] = [];
  const scan = (path: (string | number)[], text: string) =>
    templateFields(text).forEach((field) => used.push({ path, field }));
  if (server.kind === 'remote') {
    scan(['server', 'url'], server.url);
    server.headers.forEach((h, i) => scan(['server', 'headers', i, 'value'], h.value));
    const auth = server.auth;
    if (auth.type === 'bearer') used.push({ path: ['server', 'auth', 'tokenField'], field: auth.tokenField });
    if (auth.type === 'header')
      auth.fields.forEach((f, i) => used.push({ path: ['server', 'auth', 'fields', i], field: f }));
    if (auth.type === 'oauth') {
      if (auth.clientIdField) used.push({ path: ['server', 'auth', 'clientIdField'], field: auth.clientIdField });
      if (auth.clientSecretField)
        used.push({ path: ['server', 'auth', 'clientSecretField'], field: auth.clientSecretField });
    }
  } else {
    server.args.forEach((a, i) => scan(['server', 'args', i], a));
    server.env.forEach((e, i) => scan(['server', 'env', i, 'value'], e.value));
  }
  return used;
};

/** A catalog entry as clients write it (create and full update). */
export const catalogEntryInput = z
  .object({
    /** Stable identifier, unique in the organisation; the server.json `name` for imported entries. */
    name: z.string().min(1).max(200).regex(NAME, 'must be a name like "filesystem" or "io.github.owner/server"'),
    /** URL- and tool-prefix-safe short name, unique in the organisation; derived from `name` when absent. */
    slug: catalogSlug.optional(),
    title: z.string().min(1).max(200).optional(),
    description: z.string().max(4000).default(''),
    version: z.string().min(1).max(255),
    tags: z
      .array(z.string().regex(/^[a-z0-9][a-z0-9._-]{0,49}$/, 'must be a lowercase tag'))
      .max(50)
      .default([]),
    /** Tools that appear later on an approved server wait for approval (tool pinning). */
    newToolsNeedApproval: z.boolean().default(true),
    userConfig: z.array(userConfigField).max(200).default([]),
    server: catalogServer,
    /** server.json fields the catalog does not model (repository, websiteUrl, icons, …), kept for export. */
    metadata: z.record(z.string(), z.unknown()).default({}),
  })
  .superRefine((entry, ctx) => {
    const names = new Set<string>();
    entry.userConfig.forEach((field, i) => {
      if (names.has(field.name))
        ctx.addIssue({ code: 'custom', path: ['userConfig', i, 'name'], message: `"${field.name}" is defined twice` });
      names.add(field.name);
      if (field.default !== undefined && field.choices && !field.choices.includes(field.default))
        ctx.addIssue({ code: 'custom', path: ['userConfig', i, 'default'], message: 'must be one of the choices' });
    });
    for (const { path, field } of fieldsUsedBy(entry.server)) {
      if (!names.has(field))
        ctx.addIssue({ code: 'custom', path, message: `uses "${field}", which is not a userConfig field` });
    }
  });
export type CatalogEntryInput = z.infer<typeof catalogEntryInput>;

/** A catalog entry as the API returns it. */
export const catalogEntry = z.object({
  id: z.uuid(),
  name: z.string(),
  slug: catalogSlug,
  title: z.string().nullable(),
  description: z.string(),
  version: z.string(),
  tags: z.array(z.string()),
  kind: z.enum(['remote', 'local']),
  newToolsNeedApproval: z.boolean(),
  userConfig: z.array(userConfigField),
  server: catalogServer,
  metadata: z.record(z.string(), z.unknown()),
  createdAt: z.iso.datetime({ offset: true }),
  updatedAt: z.iso.datetime({ offset: true }),
  createdBy: z.string(),
  updatedBy: z.string(),
});
export type CatalogEntry = z.infer<typeof catalogEntry>;

const commaList = z
  .union([z.string(), z.array(z.string())])
  .transform((v) => (Array.isArray(v) ? v : v.split(',')).map((s) => s.trim()).filter(Boolean));

export const listCatalogQuery = z.object({
  /** Entries carrying every one of these tags (repeat the parameter or separate by commas). */
  tag: commaList.optional(),
  kind: z.enum(['remote', 'local']).optional(),
  /** Case-insensitive text in the name, title or description. */
  q: z.string().min(1).max(200).optional(),
  cursor: z.string().max(500).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export type ListCatalogQuery = z.infer<typeof listCatalogQuery>;

export const importCatalogQuery = z.object({
  /** Which part of a server.json with both packages and remotes to use; default: a stdio package if any. */
  prefer: z.enum(['local', 'remote']).optional(),
});
export type ImportCatalogQuery = z.infer<typeof importCatalogQuery>;

export const idParam = z.uuid({ message: 'must be a UUID' });
