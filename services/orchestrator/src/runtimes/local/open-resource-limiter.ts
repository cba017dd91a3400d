import { readFile } from 'node:fs/promises';
import { SandboxUnavailableError } from '../runtime.errors';
import { parseCgroupLayout } from './cgroup-layout';
import { CgroupLimiter } from './cgroup-limiter';
import type { LimitsMode, ResourceLimiter } from './resource-limiter';
import { RlimitLimiter } from './rlimit-limiter';

/** `auto` takes cgroups when this process can create them and falls back to rlimits, saying why. */
export async function openResourceLimiter(
  mode: LimitsMode,
  options: { sh: string; perInstanceUid: boolean },
): Promise<ResourceLimiter> {
  if (mode === 'rlimit') return new RlimitLimiter(options.perInstanceUid, 'chosen by configuration');
  try {
    const layout = parseCgroupLayout(
      await readFile('/proc/self/mountinfo', 'utf8'),
      await readFile('/proc/self/cgroup', 'utf8'),
    );
    if ('unavailable' in layout) throw new Error(layout.unavailable);
    return await CgroupLimiter.open(layout, options.sh);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    if (mode === 'cgroup') throw new SandboxUnavailableError(`cgroups: ${detail}`);
    return new RlimitLimiter(options.perInstanceUid, `cgroups unusable: ${detail}`);
  }
}
