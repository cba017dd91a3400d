import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { SandboxUnavailableError } from '../runtime.errors';
import { readHostLayout, type SystemMount } from './host-layout';
import type { LocalRuntimeConfig } from './local-runtime.config';
import { openResourceLimiter } from './open-resource-limiter';
import type { ResourceLimiter } from './resource-limiter';
import { dropPrivilegesArgs, isolationArgs, type SandboxIdentity, systemArgs } from './sandbox-command';
import { findSandboxTools, type SandboxTools } from './sandbox-tools';
import { Workdirs } from './workdirs';

const run = promisify(execFile);

/** What every instance of one runtime shares: the tools, the host's layout, the limiter and the state directory. */
export interface SandboxEnvironment {
  tools: SandboxTools;
  layout: SystemMount[];
  limiter: ResourceLimiter;
  workdirs: Workdirs;
  /** Root: each instance runs as its own uid. Otherwise every instance runs as the orchestrator's user. */
  uidSwitch: boolean;
}

/** Runs `true` in a sandbox built like the real ones, so a host that cannot sandbox fails here, once, with bwrap's words. */
async function trySandbox(tools: SandboxTools, layout: SystemMount[], identity?: SandboxIdentity): Promise<void> {
  const args = [
    '--core=0',
    '--',
    ...dropPrivilegesArgs(tools, identity),
    tools.bwrap,
    ...isolationArgs(tools, false),
    ...systemArgs(layout),
    '--',
    'true',
  ];
  try {
    await run(tools.prlimit, args, { env: { PATH: '/usr/bin:/bin' }, timeout: 10_000 });
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    throw new SandboxUnavailableError(`bubblewrap failed: ${stderr || (error as Error).message}`);
  }
}

export async function prepareSandbox(config: LocalRuntimeConfig): Promise<SandboxEnvironment> {
  const uidSwitch = process.getuid?.() === 0;
  const tools = await findSandboxTools(uidSwitch);
  const layout = await readHostLayout();
  const probeIdentity = uidSwitch ? { uid: config.sandboxUidBase, gid: config.sandboxUidBase } : undefined;
  await trySandbox(tools, layout, probeIdentity);
  const limiter = await openResourceLimiter(config.limits, { sh: tools.sh, perInstanceUid: uidSwitch });
  const workdirs = new Workdirs(config.stateDir);
  await workdirs.init(uidSwitch);
  return { tools, layout, limiter, workdirs, uidSwitch };
}
