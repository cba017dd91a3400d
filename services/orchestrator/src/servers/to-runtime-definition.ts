import { existsSync, realpathSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { PortcullisServer } from '@portcullis/contracts';
import type { ServerDefinitionInput } from '../runtimes';

const MIB = 1024 * 1024;

/**
 * Turns a declared local server into what the sandbox runs. `node` means the platform's own Node, and a command
 * that names an installed package's executable (`mcp-server-everything`) runs that package's script with it, as
 * `npx` would — but from the installed tree, read-only, never downloading anything.
 */
export function toRuntimeDefinition(
  server: PortcullisServer,
  nodeModules = resolve('node_modules'),
): ServerDefinitionInput {
  if (server.runtime.type !== 'local') throw new Error(`server ${server.id} is not a local server`);
  const { command, args, env, network, limits } = server.runtime;
  const bin = join(nodeModules, '.bin', command);
  let argv: { command: string; args: string[] };
  if (command === 'node') argv = { command: process.execPath, args };
  else if (!command.includes('/') && existsSync(bin))
    argv = { command: process.execPath, args: [realpathSync(bin), ...args] };
  else argv = { command, args };
  return {
    id: server.id,
    ...argv,
    env,
    readOnlyPaths: existsSync(nodeModules) ? [realpathSync(nodeModules)] : [],
    network: network.allow.length > 0 ? network.allow : 'none',
    ...(limits.memoryMb ? { memoryLimitBytes: limits.memoryMb * MIB } : {}),
    ...(limits.pids ? { processLimit: limits.pids } : {}),
    ...(limits.idleTimeoutSeconds !== undefined
      ? { idleTimeoutMs: limits.idleTimeoutSeconds === 0 ? null : limits.idleTimeoutSeconds * 1000 }
      : {}),
  };
}
