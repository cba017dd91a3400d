import type { z } from 'zod';
import {
  type CatalogEntryInput,
  catalogEntryInput,
  type PackageOrigin,
  type UserConfigField,
  userConfigField,
} from '../catalog-entry.schema';
import { templateFields } from '../templates';
import { defaultRuntimeOf, packageSpecOf } from './package-command';
import { PORTCULLIS_META_KEY, type PortcullisMeta, portcullisMeta } from './portcullis-meta';
import {
  type ServerJson,
  serverJson,
  type ServerJsonArgument,
  type ServerJsonInput,
  type ServerJsonKeyValueInput,
  type ServerJsonPackage,
  type ServerJsonRemote,
} from './server-json.schema';

export interface ImportIssue {
  field: string;
  message: string;
}

/** A server.json the catalog cannot take; every issue names the document's field. */
export class ServerJsonImportError extends Error {
  constructor(readonly issues: ImportIssue[]) {
    super(`Invalid server.json: ${issues.map((i) => `${i.field} ${i.message}`).join('; ')}`);
  }
}

const SUPPORTED_REGISTRIES = ['npm', 'pypi', 'oci'] as const;
const MODELLED = new Set(['$schema', 'name', 'title', 'description', 'version', 'packages', 'remotes', '_meta']);

const pathOf = (prefix: string, path: readonly PropertyKey[]) =>
  [prefix, ...path.map(String)].filter(Boolean).join('.');
const issuesOf = (prefix: string, error: z.ZodError): ImportIssue[] =>
  error.issues.map((i) => ({ field: pathOf(prefix, i.path), message: i.message }));

/** Collects user-config fields from the inputs a manifest declares, first definition winning. */
class FieldCollector {
  readonly fields = new Map<string, z.input<typeof userConfigField>>();

  add(name: string, input: ServerJsonInput, repeated = false): void {
    if (this.fields.has(name)) return;
    this.fields.set(name, {
      name,
      description: input.description,
      required: input.isRequired ?? false,
      secret: input.isSecret ?? false,
      format: input.format ?? 'string',
      default: input.default,
      placeholder: input.placeholder,
      choices: input.choices && input.choices.length > 0 ? input.choices : undefined,
      repeated,
    });
  }

  /** An input's value as a template: its own value (variables become fields), or a field of its own. */
  templateOf(ownName: string, input: ServerJsonInput & { variables?: Record<string, ServerJsonInput> }): string {
    if (input.value === undefined) {
      this.add(ownName, input);
      return `{${ownName}}`;
    }
    for (const [name, variable] of Object.entries(input.variables ?? {})) this.add(name, variable);
    return input.value;
  }

  merge(overrides: readonly UserConfigField[] | undefined): z.input<typeof userConfigField>[] {
    for (const field of overrides ?? []) this.fields.set(field.name, field);
    return [...this.fields.values()];
  }
}

function argumentToken(arg: ServerJsonArgument, fields: FieldCollector): string {
  if (arg.type === 'positional') {
    if (arg.value !== undefined) return fields.templateOf('', arg);
    const hint = arg.valueHint ?? 'value';
    fields.add(hint, arg, arg.isRepeated ?? false);
    return `{${hint}}`;
  }
  if (arg.value === undefined) {
    const field = arg.name.replace(/^-+/, '');
    fields.add(field, arg, arg.isRepeated ?? false);
    return `${arg.name}={${field}}`;
  }
  return `${arg.name}=${fields.templateOf(arg.name, arg)}`;
}

function localFromPackage(pkg: ServerJsonPackage, index: number, fields: FieldCollector, meta: PortcullisMeta) {
  const prefix = `packages.${index}`;
  const origin: PackageOrigin = {
    registryType: pkg.registryType as PackageOrigin['registryType'],
    identifier: pkg.identifier,
    version: pkg.version,
    registryBaseUrl: pkg.registryBaseUrl,
    runtimeHint: pkg.runtimeHint,
    fileSha256: pkg.fileSha256,
  };
  const runtime = defaultRuntimeOf(origin);
  const launcher = pkg.runtimeArguments
    ? pkg.runtimeArguments.map((a) => argumentToken(a, fields))
    : runtime.launcherArgs;
  const args = [
    ...launcher,
    packageSpecOf(origin),
    ...(pkg.packageArguments ?? []).map((a) => argumentToken(a, fields)),
  ];
  const env = (pkg.environmentVariables ?? []).map((variable: ServerJsonKeyValueInput) => ({
    name: variable.name,
    value: fields.templateOf(variable.name, variable),
  }));
  return {
    server: {
      kind: 'local' as const,
      command: runtime.command,
      args,
      env,
      allowedHosts: meta.allowedHosts ?? [],
      limits: meta.limits ?? {},
      package: origin,
    },
    prefix,
  };
}

function remoteFrom(remote: ServerJsonRemote, index: number, fields: FieldCollector, meta: PortcullisMeta) {
  for (const [name, variable] of Object.entries(remote.variables ?? {})) fields.add(name, variable);
  let auth: NonNullable<PortcullisMeta['auth']> = meta.auth ?? { type: 'none' };
  const headers: { name: string; value: string }[] = [];
  for (const header of remote.headers ?? []) {
    const bearer = /^Bearer \{([^{}]+)\}$/i.exec(header.value ?? '');
    if (header.name.toLowerCase() === 'authorization' && bearer && auth.type !== 'oauth') {
      const tokenField = bearer[1];
      fields.add(tokenField, { isSecret: true, isRequired: header.isRequired, ...header.variables?.[tokenField] });
      auth = { type: 'bearer', tokenField };
      continue;
    }
    headers.push({ name: header.name, value: fields.templateOf(header.name, header) });
  }
  if (auth.type === 'none') {
    const secretFields = headers
      .flatMap((h) => templateFields(h.value))
      .filter((name) => fields.fields.get(name)?.secret);
    if (secretFields.length > 0) auth = { type: 'header', fields: [...new Set(secretFields)] };
  }
  return {
    server: { kind: 'remote' as const, transport: remote.type, url: remote.url, headers, auth },
    prefix: `remotes.${index}`,
  };
}

function chooseServer(
  doc: ServerJson,
  prefer: 'local' | 'remote' | undefined,
  fields: FieldCollector,
  meta: PortcullisMeta,
) {
  const packages = doc.packages ?? [];
  const localIndex = packages.findIndex(
    (p) => (SUPPORTED_REGISTRIES as readonly string[]).includes(p.registryType) && p.transport.type === 'stdio',
  );
  const remotes = doc.remotes ?? [];
  if (prefer === 'remote' && remotes.length === 0) {
    throw new ServerJsonImportError([{ field: 'remotes', message: 'has no remote to import (prefer=remote)' }]);
  }
  if (prefer !== 'remote' && localIndex >= 0) return localFromPackage(packages[localIndex], localIndex, fields, meta);
  if (prefer === 'local' && !meta.local) {
    throw new ServerJsonImportError([
      { field: 'packages', message: 'has no stdio package from npm, pypi or oci to import (prefer=local)' },
    ]);
  }
  if (remotes.length > 0 && prefer !== 'local') return remoteFrom(remotes[0], 0, fields, meta);
  if (meta.local) {
    return {
      server: {
        kind: 'local' as const,
        ...meta.local,
        allowedHosts: meta.allowedHosts ?? [],
        limits: meta.limits ?? {},
      },
      prefix: `_meta.${PORTCULLIS_META_KEY}.local`,
    };
  }
  const field = packages.length > 0 ? 'packages' : 'remotes';
  const message =
    packages.length > 0
      ? 'has no stdio package from npm, pypi or oci, and there are no remotes'
      : 'is missing: the server needs a stdio package (npm, pypi, oci) or a remote';
  throw new ServerJsonImportError([{ field, message }]);
}

/** Maps a server.json document to a catalog entry; throws ServerJsonImportError naming the bad field. */
export function importServerJson(document: unknown, prefer?: 'local' | 'remote'): CatalogEntryInput {
  const parsed = serverJson.safeParse(document);
  if (!parsed.success) throw new ServerJsonImportError(issuesOf('', parsed.error));
  const doc = parsed.data;
  const rawMeta = doc._meta?.[PORTCULLIS_META_KEY];
  const metaResult = portcullisMeta.safeParse(rawMeta ?? {});
  if (!metaResult.success) throw new ServerJsonImportError(issuesOf(`_meta.${PORTCULLIS_META_KEY}`, metaResult.error));
  const meta = metaResult.data;

  const fields = new FieldCollector();
  const { server, prefix } = chooseServer(doc, prefer, fields, meta);
  const otherMeta = Object.fromEntries(Object.entries(doc._meta ?? {}).filter(([key]) => key !== PORTCULLIS_META_KEY));
  const metadata = Object.fromEntries(Object.entries(doc).filter(([key]) => !MODELLED.has(key)));
  if (Object.keys(otherMeta).length > 0) metadata['_meta'] = otherMeta;

  const entry = catalogEntryInput.safeParse({
    name: meta.name ?? doc.name,
    slug: meta.slug,
    title: doc.title,
    description: meta.description ?? doc.description,
    version: doc.version,
    tags: meta.tags ?? [],
    newToolsNeedApproval: meta.newToolsNeedApproval ?? true,
    userConfig: fields.merge(meta.userConfig),
    server,
    metadata,
  });
  if (!entry.success) {
    throw new ServerJsonImportError(
      entry.error.issues.map((i) => ({
        field: i.path[0] === 'server' ? pathOf(prefix, i.path.slice(1)) : pathOf('', i.path),
        message: i.message,
      })),
    );
  }
  return entry.data;
}
