import type { CatalogEntry, UserConfigField } from '../catalog-entry.schema';
import { soleField, templateFields } from '../templates';
import { defaultRuntimeOf, packageSpecOf } from './package-command';
import { PORTCULLIS_META_KEY, type PortcullisMeta } from './portcullis-meta';
import {
  SERVER_JSON_SCHEMA_URL,
  type ServerJson,
  type ServerJsonArgument,
  type ServerJsonInput,
  type ServerJsonKeyValueInput,
  type ServerJsonPackage,
  type ServerJsonRemote,
} from './server-json.schema';

const DESCRIPTION_MAX = 100;

/** A user-config field as a server.json input; defaults are left out so a re-import reads the same. */
function inputOf(field: UserConfigField | undefined): ServerJsonInput {
  if (!field) return {};
  const input: ServerJsonInput = {};
  if (field.description !== undefined) input.description = field.description;
  if (field.required) input.isRequired = true;
  if (field.secret) input.isSecret = true;
  if (field.format !== 'string') input.format = field.format;
  if (field.default !== undefined) input.default = field.default;
  if (field.placeholder !== undefined) input.placeholder = field.placeholder;
  if (field.choices) input.choices = field.choices;
  return input;
}

class Inputs {
  private readonly byName: Map<string, UserConfigField>;

  constructor(fields: readonly UserConfigField[]) {
    this.byName = new Map(fields.map((f) => [f.name, f]));
  }

  field(name: string) {
    return this.byName.get(name);
  }

  /** `{ value, variables }` for a template, or the field's own input when the template is just that field. */
  valueOf(ownName: string, template: string): ServerJsonInput & { variables?: Record<string, ServerJsonInput> } {
    if (soleField(template) === ownName && this.byName.has(ownName)) return inputOf(this.byName.get(ownName));
    const used = templateFields(template).filter((name) => this.byName.has(name));
    if (used.length === 0) return { value: template };
    return {
      value: template,
      variables: Object.fromEntries(used.map((name) => [name, inputOf(this.byName.get(name))])),
    };
  }

  argument(token: string): ServerJsonArgument {
    const field = soleField(token);
    if (field !== undefined && this.byName.has(field)) {
      const f = this.byName.get(field)!;
      return { type: 'positional', valueHint: field, ...inputOf(f), ...(f.repeated ? { isRepeated: true } : {}) };
    }
    const named = /^(--?[A-Za-z0-9][A-Za-z0-9_.-]*)=(.*)$/.exec(token);
    if (named) {
      const [, name, value] = named;
      const own = soleField(value);
      if (own !== undefined && own === name.replace(/^-+/, '') && this.byName.has(own)) {
        const f = this.byName.get(own)!;
        return { type: 'named', name, ...inputOf(f), ...(f.repeated ? { isRepeated: true } : {}) };
      }
      return { type: 'named', name, ...this.valueOf('', value) };
    }
    return { type: 'positional', ...this.valueOf('', token) };
  }
}

function packageOf(entry: CatalogEntry, inputs: Inputs): ServerJsonPackage | undefined {
  const server = entry.server;
  if (server.kind !== 'local' || !server.package) return undefined;
  const origin = server.package;
  const specAt = server.args.indexOf(packageSpecOf(origin));
  const runtime = defaultRuntimeOf(origin);
  if (specAt < 0 || server.command !== runtime.command) return undefined;
  const launcher = server.args.slice(0, specAt);
  const pkg: ServerJsonPackage = {
    registryType: origin.registryType,
    identifier: origin.identifier,
    transport: { type: 'stdio' },
  };
  if (origin.version !== undefined) pkg.version = origin.version;
  if (origin.registryBaseUrl !== undefined) pkg.registryBaseUrl = origin.registryBaseUrl;
  if (origin.runtimeHint !== undefined) pkg.runtimeHint = origin.runtimeHint;
  if (origin.fileSha256 !== undefined) pkg.fileSha256 = origin.fileSha256;
  if (launcher.join('\0') !== runtime.launcherArgs.join('\0')) {
    pkg.runtimeArguments = launcher.map((token) => inputs.argument(token));
  }
  const rest = server.args.slice(specAt + 1);
  if (rest.length > 0) pkg.packageArguments = rest.map((token) => inputs.argument(token));
  if (server.env.length > 0) {
    pkg.environmentVariables = server.env.map((e): ServerJsonKeyValueInput => ({
      name: e.name,
      ...inputs.valueOf(e.name, e.value),
    }));
  }
  return pkg;
}

function remoteOf(entry: CatalogEntry, inputs: Inputs): ServerJsonRemote | undefined {
  const server = entry.server;
  if (server.kind !== 'remote') return undefined;
  const headers: ServerJsonKeyValueInput[] = [];
  if (server.auth.type === 'bearer') {
    const field = inputs.field(server.auth.tokenField);
    headers.push({
      name: 'Authorization',
      value: `Bearer {${server.auth.tokenField}}`,
      ...(field?.required ? { isRequired: true } : {}),
      isSecret: true,
      variables: { [server.auth.tokenField]: inputOf(field) },
    });
  }
  for (const h of server.headers) headers.push({ name: h.name, ...inputs.valueOf(h.name, h.value) });
  const urlFields = templateFields(server.url).filter((name) => inputs.field(name));
  return {
    type: server.transport,
    url: server.url,
    ...(headers.length > 0 ? { headers } : {}),
    ...(urlFields.length > 0
      ? { variables: Object.fromEntries(urlFields.map((name) => [name, inputOf(inputs.field(name))])) }
      : {}),
  };
}

/** The entry as an MCP Registry server.json; what the format cannot carry goes to `_meta["io.portcullis/catalog"]`. */
export function exportServerJson(entry: CatalogEntry): ServerJson {
  const inputs = new Inputs(entry.userConfig);
  const pkg = packageOf(entry, inputs);
  const remote = remoteOf(entry, inputs);
  const server = entry.server;
  const description =
    entry.description.length === 0
      ? (entry.title ?? entry.name)
      : entry.description.length > DESCRIPTION_MAX
        ? `${entry.description.slice(0, DESCRIPTION_MAX - 1)}…`
        : entry.description;
  const meta: PortcullisMeta = {
    slug: entry.slug,
    tags: entry.tags,
    newToolsNeedApproval: entry.newToolsNeedApproval,
    userConfig: entry.userConfig,
  };
  if (description !== entry.description) meta.description = entry.description;
  if (server.kind === 'remote' && server.auth.type === 'oauth') meta.auth = server.auth;
  if (server.kind === 'local') {
    meta.allowedHosts = server.allowedHosts;
    meta.limits = server.limits;
    if (!pkg) meta.local = { command: server.command, args: server.args, env: server.env };
  }
  const { _meta: otherMeta, ...extras } = entry.metadata as { _meta?: Record<string, unknown> };
  const name = entry.name.includes('/') ? entry.name : `local.portcullis/${entry.name}`;
  if (name !== entry.name) meta.name = entry.name;
  return {
    $schema: SERVER_JSON_SCHEMA_URL,
    name,
    ...(entry.title !== null ? { title: entry.title.slice(0, DESCRIPTION_MAX) } : {}),
    description: description.slice(0, DESCRIPTION_MAX),
    version: entry.version,
    ...extras,
    ...(pkg ? { packages: [pkg] } : {}),
    ...(remote ? { remotes: [remote] } : {}),
    _meta: { ...otherMeta, [PORTCULLIS_META_KEY]: meta },
  };
}
