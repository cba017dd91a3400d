import { posix } from 'node:path';
import { SERVER_WORKDIR, type ServerDefinition } from '../server-definition.schema';
import { ETC_ENTRIES, type SystemMount } from './host-layout';
import type { SandboxTools } from './sandbox-tools';

export const SANDBOX_HOME = '/home/mcp';
const SANDBOX_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface SandboxIdentity {
  uid: number;
  gid: number;
}

export interface SandboxCommandInput {
  definition: ServerDefinition;
  /** Host directory mounted read-write at SERVER_WORKDIR. */
  workdir: string;
  tools: SandboxTools;
  layout: SystemMount[];
  /** Set when the orchestrator is root: the whole chain below drops to this uid before bubblewrap runs. */
  identity?: SandboxIdentity;
  /** Runs first and execs the rest, e.g. to join the instance's cgroups while still privileged. */
  prefix: string[];
  /** Extra prlimit flags (`--nproc=…`) for limits enforced as rlimits. */
  rlimits: string[];
}

export interface SandboxCommand {
  file: string;
  args: string[];
  /** The server's whole environment. Passed as the process environment, never as arguments: argv is world-readable in /proc. */
  env: Record<string, string>;
}

/** Namespaces and process hygiene: everything unshared, network only when the definition allows hosts. */
export function isolationArgs(tools: SandboxTools, shareNetwork: boolean): string[] {
  return [
    '--unshare-user',
    ...(tools.disableUserns ? ['--disable-userns'] : []),
    '--unshare-all',
    ...(shareNetwork ? ['--share-net'] : []),
    // The sandbox dies with the orchestrator, even on SIGKILL, so no server outlives it.
    '--die-with-parent',
    // A server must not reach the orchestrator's terminal (TIOCSTI).
    '--new-session',
  ];
}

/** The read-only system view: programs, libraries and the few /etc entries they need. */
export function systemArgs(layout: SystemMount[]): string[] {
  const args: string[] = [];
  for (const mount of layout) {
    if (mount.kind === 'symlink') args.push('--symlink', mount.target, mount.path);
    else args.push('--ro-bind', mount.path, mount.path);
  }
  for (const entry of ETC_ENTRIES) args.push('--ro-bind-try', entry, entry);
  return [...args, '--proc', '/proc', '--dev', '/dev'];
}

/** As root: become the instance's own unprivileged uid, with no capabilities left to regain, before bwrap runs. */
export function dropPrivilegesArgs(tools: SandboxTools, identity?: SandboxIdentity): string[] {
  if (!tools.setpriv || !identity) return [];
  return [
    tools.setpriv,
    `--reuid=${identity.uid}`,
    `--regid=${identity.gid}`,
    '--clear-groups',
    '--inh-caps=-all',
    '--bounding-set=-all',
  ];
}

function isInside(path: string, dirs: string[]): boolean {
  return dirs.some((dir) => path === dir || path.startsWith(`${dir}/`));
}

/**
 * The command line that starts one server: `[prefix…] prlimit … -- [setpriv …] bwrap … -- command args`. Each step
 * execs the next, so the process the supervisor holds is bwrap itself (and its process group everything below).
 */
export function sandboxCommand(input: SandboxCommandInput): SandboxCommand {
  const { definition, tools, identity } = input;
  const visible = [...input.layout.map((mount) => mount.path), ...definition.readOnlyPaths];
  // A command given by absolute path outside every mount would not exist in the sandbox: mount that one file.
  const commandMount =
    posix.isAbsolute(definition.command) && !isInside(definition.command, visible)
      ? ['--ro-bind', definition.command, definition.command]
      : [];
  // tmpfs pages count as memory, so neither scratch area may outgrow the memory limit.
  const tmpfsSize = String(definition.memoryLimitBytes);
  const bwrapArgs = [
    ...isolationArgs(tools, definition.network !== 'none'),
    '--hostname',
    `mcp-${definition.id}`.slice(0, 63),
    ...systemArgs(input.layout),
    '--size',
    tmpfsSize,
    '--tmpfs',
    '/tmp',
    '--size',
    tmpfsSize,
    '--tmpfs',
    SANDBOX_HOME,
    // After the private /tmp and home, so a declared path under /tmp (a checkout in /tmp, say) stays visible while
    // the rest of the host's /tmp stays hidden; /tmp and home themselves cannot be declared (see the schema).
    ...definition.readOnlyPaths.flatMap((path) => ['--ro-bind', path, path]),
    ...commandMount,
    // Last, so nothing can be mounted over the server's working directory.
    '--bind',
    input.workdir,
    SERVER_WORKDIR,
    '--chdir',
    SERVER_WORKDIR,
    '--',
    definition.command,
    ...definition.args,
  ];
  // No core dumps: they would write the server's memory (and its secrets) somewhere outside the sandbox's control.
  const chain = [
    tools.prlimit,
    '--core=0',
    ...input.rlimits,
    '--',
    ...dropPrivilegesArgs(tools, identity),
    tools.bwrap,
    ...bwrapArgs,
  ];
  const [file, ...args] = [...input.prefix, ...chain];
  return {
    file,
    args,
    env: { PATH: SANDBOX_PATH, HOME: SANDBOX_HOME, TMPDIR: '/tmp', LANG: 'C.UTF-8', ...definition.env },
  };
}
