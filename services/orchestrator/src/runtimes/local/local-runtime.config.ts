import { isAbsolute } from 'node:path';
import { z } from 'zod';

const ms = (fallback: number) => z.number().int().positive().default(fallback);

export const localRuntimeConfigSchema = z.object({
  /** Holds the instances' working directories; created if missing. One per orchestrator process: it is tidied at start. */
  stateDir: z.string().refine(isAbsolute, 'must be an absolute path'),
  /** Instances that hold or may get a process (all but stopped and crash-looping); starting one more fails. */
  maxInstances: z.number().int().min(1).max(10_000).default(32),
  /** `auto`: cgroups when this process can create them, else rlimits (see LocalRuntime for the difference). */
  limits: z.enum(['auto', 'cgroup', 'rlimit']).default('auto'),
  /**
   * When the orchestrator is root, instance N runs as uid and gid `sandboxUidBase + N`: unprivileged, distinct per
   * instance, and above the ranges distributions and container engines hand out.
   */
  sandboxUidBase: z
    .number()
    .int()
    .min(1000)
    .max(2 ** 31 - 20_000)
    .default(2_100_000_000),
  /** Until the server has answered `initialize`; longer counts as a crash. */
  startupTimeoutMs: ms(30_000),
  /** After stdin closes, how long a server may take to exit before it is killed. */
  stopGraceMs: ms(3_000),
  restart: z
    .object({
      initialDelayMs: ms(500),
      maxDelayMs: ms(30_000),
      crashLoopThreshold: z.number().int().min(1).default(5),
      crashLoopWindowMs: ms(60_000),
    })
    .prefault({}),
  /** Per instance; the worst case is maxLines × maxLineLength characters each for running and retained instances. */
  logs: z
    .object({
      maxLines: z.number().int().min(1).default(500),
      maxLineLength: z.number().int().min(80).default(1_024),
    })
    .prefault({}),
  /** Stopped and crash-looping instances kept for status and logs; the oldest are forgotten first. */
  retainStopped: z.number().int().min(0).default(20),
});

export type LocalRuntimeConfig = z.output<typeof localRuntimeConfigSchema>;
export type LocalRuntimeConfigInput = z.input<typeof localRuntimeConfigSchema>;
