import { join } from 'node:path';
import type { CgroupLayout } from './cgroup-layout';
import { counter, killAll, removeDirs } from './cgroup-fs';
import type { InstanceLimits, LimitedInstance } from './resource-limiter';

const MIB = 1024 * 1024;

/** Writes `$$` into each cgroup.procs given, then execs the rest: the sandbox starts inside its cgroups. */
const JOIN_SCRIPT =
  'n=$1; shift; while [ "$n" -gt 0 ]; do echo $$ > "$1" || exit 125; shift; n=$((n-1)); done; exec "$@"';

export interface InstanceDirs {
  memory: string;
  pids: string;
}

/** The files that differ between cgroup v1 and v2. */
export interface VersionFiles {
  memoryLimit: string;
  /** Swap must not extend the memory limit; absent when the kernel does not account swap. */
  swapLimit: (bytes: number) => [file: string, value: string];
  /** Where the kernel counts OOM kills (`oom_kill N`). */
  oomEvents: string;
}

export const CGROUP_FILES: Record<CgroupLayout['version'], VersionFiles> = {
  1: {
    memoryLimit: 'memory.limit_in_bytes',
    swapLimit: (bytes) => ['memory.memsw.limit_in_bytes', String(bytes)],
    oomEvents: 'memory.oom_control',
  },
  2: { memoryLimit: 'memory.max', swapLimit: () => ['memory.swap.max', '0'], oomEvents: 'memory.events' },
};

/** One instance's cgroup(s): joined before exec, read after an exit, emptied and removed at stop. */
export class CgroupInstance implements LimitedInstance {
  readonly prefix: string[];
  readonly rlimits: string[] = [];
  private oomKills = 0;
  private taskLimitHits = 0;

  constructor(
    private readonly dirs: InstanceDirs,
    private readonly files: VersionFiles,
    private readonly limits: InstanceLimits,
    sh: string,
  ) {
    const procs = [...new Set([dirs.memory, dirs.pids])].map((dir) => join(dir, 'cgroup.procs'));
    this.prefix = [sh, '-c', JOIN_SCRIPT, 'cgroup-join', String(procs.length), ...procs];
  }

  private get all(): string[] {
    return [...new Set([this.dirs.memory, this.dirs.pids])];
  }

  async explainExit(): Promise<string | undefined> {
    const oomKills = await counter(join(this.dirs.memory, this.files.oomEvents), 'oom_kill');
    const taskLimitHits = await counter(join(this.dirs.pids, 'pids.events'), 'max');
    const reasons = [
      ...(oomKills > this.oomKills
        ? [`killed by the kernel: memory limit of ${Math.round(this.limits.memoryBytes / MIB)} MiB reached`]
        : []),
      ...(taskLimitHits > this.taskLimitHits ? [`hit the limit of ${this.limits.processes} tasks`] : []),
    ];
    this.oomKills = oomKills;
    this.taskLimitHits = taskLimitHits;
    return reasons.length > 0 ? reasons.join('; ') : undefined;
  }

  killRemaining(): Promise<void> {
    return killAll(this.all);
  }

  release(): Promise<void> {
    return removeDirs(this.all);
  }
}
