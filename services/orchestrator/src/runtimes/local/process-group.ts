import { setTimeout as sleep } from 'node:timers/promises';

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Signals the process group led by `pid` (the sandbox is spawned detached, so it leads one). */
export function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is gone already.
  }
}

/** Resolves true if `done` settles within `ms`, false otherwise. */
export async function within(done: Promise<unknown>, ms: number): Promise<boolean> {
  const timeout = new AbortController();
  const expired = sleep(ms, false, { signal: timeout.signal }).catch(() => false);
  const result = await Promise.race([done.then(() => true), expired]);
  timeout.abort();
  return result;
}
