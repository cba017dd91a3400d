import type { InstanceLimits, LimitedInstance, ResourceLimiter } from './resource-limiter';

/**
 * Limits through setrlimit, for machines without a usable cgroup hierarchy. Weaker than cgroups:
 * - memory is RLIMIT_DATA, which counts writable mappings as they are reserved, not resident memory; V8 reserves
 *   several hundred MiB up front, so a Node server needs a limit of about 1 GiB to start at all;
 * - tasks are RLIMIT_NPROC, which the kernel counts per uid: it is only a per-instance limit when every instance
 *   runs as its own uid (orchestrator running as root). Otherwise it would count every process of the
 *   orchestrator's user, so it is left off.
 */
export class RlimitLimiter implements ResourceLimiter {
  constructor(
    private readonly perInstanceUid: boolean,
    private readonly why: string,
  ) {}

  get description(): string {
    const tasks = this.perInstanceUid ? 'tasks as RLIMIT_NPROC of the instance uid' : 'tasks not limited (shared uid)';
    return `rlimits (${this.why}): memory as RLIMIT_DATA, ${tasks}`;
  }

  create(_name: string, limits: InstanceLimits): Promise<LimitedInstance> {
    const nothing = () => Promise.resolve(undefined);
    return Promise.resolve({
      prefix: [],
      rlimits: [`--data=${limits.memoryBytes}`, ...(this.perInstanceUid ? [`--nproc=${limits.processes}`] : [])],
      explainExit: nothing,
      killRemaining: nothing,
      release: nothing,
    });
  }
}
