import { execFile } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { SandboxUnavailableError } from '../runtime.errors';

const run = promisify(execFile);

/** Absolute paths of the programs that build a sandbox, resolved once so a server's PATH never picks them. */
export interface SandboxTools {
  bwrap: string;
  prlimit: string;
  sh: string;
  /** Only when the orchestrator runs as root: each server then runs under an unprivileged uid of its own. */
  setpriv?: string;
  /** bubblewrap ≥ 0.8 can forbid new user namespaces inside the sandbox (less kernel surface). */
  disableUserns: boolean;
}

/** The orchestrator's PATH may be minimal (a container, systemd), so the usual system directories are searched too. */
const SEARCH_DIRS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

async function which(name: string): Promise<string | undefined> {
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), ...SEARCH_DIRS];
  for (const dir of dirs) {
    const candidate = join(dir, name);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      continue;
    }
  }
  return undefined;
}

async function required(name: string, hint: string): Promise<string> {
  const path = await which(name);
  if (!path) throw new SandboxUnavailableError(`${name} not found (${hint})`);
  return path;
}

export async function findSandboxTools(runAsRoot: boolean): Promise<SandboxTools> {
  if (process.platform !== 'linux')
    throw new SandboxUnavailableError(`bubblewrap needs Linux, this is ${process.platform}`);
  const bwrap = await required('bwrap', 'apt-get install bubblewrap');
  const prlimit = await required('prlimit', 'apt-get install util-linux');
  const sh = await required('sh', 'a POSIX shell');
  const setpriv = runAsRoot ? await required('setpriv', 'apt-get install util-linux') : undefined;
  const { stdout } = await run(bwrap, ['--help']).catch((error: { stdout?: string }) => ({
    stdout: error.stdout ?? '',
  }));
  return { bwrap, prlimit, sh, setpriv, disableUserns: stdout.includes('--disable-userns') };
}
