import type { PortcullisServer } from '@portcullis/contracts';
import type { CatalogEntry } from '../catalog/catalog-entry.schema';
import type { ConfigValue } from '../installations/installation.schema';

const PLACEHOLDER = /\{([^{}]+)\}/g;

/** A user-config value as text in a template: lists joined by commas (a whole-list argument is expanded instead). */
const textOf = (value: ConfigValue | undefined): string =>
  value === undefined ? '' : Array.isArray(value) ? value.map(String).join(',') : String(value);

/**
 * How an installation of a catalog entry runs: the entry's server with every `{field}` placeholder filled from the
 * installation's configuration, its decrypted credentials and the fields' defaults. The result holds credentials and
 * is sent only to the orchestrator over the internal bus.
 */
export function runtimeDefinition(
  id: string,
  entry: Pick<CatalogEntry, 'title' | 'name' | 'description' | 'userConfig' | 'server'>,
  configuration: Record<string, ConfigValue>,
  credentials: Record<string, string>,
): PortcullisServer {
  const values = new Map<string, ConfigValue>();
  for (const field of entry.userConfig) if (field.default !== undefined) values.set(field.name, field.default);
  for (const [name, value] of Object.entries(configuration)) values.set(name, value);
  for (const [name, value] of Object.entries(credentials)) values.set(name, value);
  const fill = (template: string) => template.replace(PLACEHOLDER, (_, name: string) => textOf(values.get(name)));
  const name = entry.title ?? entry.name;
  const description = entry.description ? { description: entry.description.slice(0, 2000) } : {};
  const server = entry.server;
  if (server.kind === 'remote') {
    const headers: Record<string, string> = {};
    for (const header of server.headers) headers[header.name] = fill(header.value);
    const auth = server.auth;
    if (auth.type === 'bearer' && values.has(auth.tokenField))
      headers['Authorization'] = `Bearer ${textOf(values.get(auth.tokenField))}`;
    return {
      id,
      name,
      ...description,
      runtime: { type: 'remote', url: fill(server.url), transport: server.transport, headers },
    };
  }
  const args: string[] = [];
  for (const arg of server.args) {
    // `{dirs}` alone, for a repeated field, becomes one argument per value.
    const sole = /^\{([^{}]+)\}$/.exec(arg)?.[1];
    const value = sole === undefined ? undefined : values.get(sole);
    if (Array.isArray(value)) args.push(...value.map(String));
    else args.push(fill(arg));
  }
  const env: Record<string, string> = {};
  for (const variable of server.env) env[variable.name] = fill(variable.value);
  return {
    id,
    name,
    ...description,
    runtime: {
      type: 'local',
      command: server.command,
      args,
      env,
      network: { allow: server.allowedHosts },
      limits: {
        ...(server.limits.memoryMb ? { memoryMb: server.limits.memoryMb } : {}),
        ...(server.limits.cpus ? { cpus: server.limits.cpus } : {}),
        ...(server.limits.processes ? { pids: Math.min(server.limits.processes, 32_768) } : {}),
      },
    },
  };
}
