export interface RestartPolicy {
  /** Delay before the first restart; it doubles with each further crash inside the window. */
  initialDelayMs: number;
  maxDelayMs: number;
  /** This many crashes within `crashLoopWindowMs` make the instance crash-looping: no more restarts. */
  crashLoopThreshold: number;
  crashLoopWindowMs: number;
}

export type CrashVerdict =
  { crashLoop: false; recentCrashes: number; delayMs: number } | { crashLoop: true; recentCrashes: number };

/**
 * Decides what follows a crash. Only crashes inside the window count, so a server that ran well for a while starts
 * again from the shortest delay, and the backoff needs no separate reset.
 */
export class CrashHistory {
  private crashes: number[] = [];

  constructor(
    private readonly policy: RestartPolicy,
    private readonly now: () => number = Date.now,
  ) {}

  record(): CrashVerdict {
    const now = this.now();
    this.crashes = [...this.crashes.filter((at) => now - at < this.policy.crashLoopWindowMs), now];
    const recentCrashes = this.crashes.length;
    if (recentCrashes >= this.policy.crashLoopThreshold) return { crashLoop: true, recentCrashes };
    const delayMs = Math.min(this.policy.maxDelayMs, this.policy.initialDelayMs * 2 ** (recentCrashes - 1));
    return { crashLoop: false, recentCrashes, delayMs };
  }
}
