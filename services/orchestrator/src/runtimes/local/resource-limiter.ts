export interface InstanceLimits {
  memoryBytes: number;
  /** Tasks: both cgroups' pids.max and RLIMIT_NPROC count threads as well as processes. */
  processes: number;
}

/** The limits of one instance, shared by all its restarts. */
export interface LimitedInstance {
  /** Runs first and execs the rest of the sandbox command inside the limits (joining cgroups). */
  readonly prefix: string[];
  /** prlimit flags, for limits enforced as rlimits. */
  readonly rlimits: string[];
  /** Why the last process died, when the limits explain it (the kernel's OOM killer, the task limit). */
  explainExit(): Promise<string | undefined>;
  /** Kills whatever is still inside the limits' scope, before a restart. */
  killRemaining(): Promise<void>;
  /** Kills what remains and removes the scope. */
  release(): Promise<void>;
}

export interface ResourceLimiter {
  /** What is enforced and how, for the start-up log. */
  readonly description: string;
  create(name: string, limits: InstanceLimits): Promise<LimitedInstance>;
}

export type LimitsMode = 'auto' | 'cgroup' | 'rlimit';
