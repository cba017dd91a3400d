import { access, readFile, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/** Reads `key N` from a flat keyed cgroup file; 0 when absent. */
export async function counter(path: string, key: string): Promise<number> {
  const text = await readFile(path, 'utf8').catch(() => '');
  const line = text.split('\n').find((entry) => entry.startsWith(`${key} `));
  return line ? Number(line.slice(key.length + 1)) : 0;
}

async function procsOf(dir: string): Promise<number[]> {
  const text = await readFile(join(dir, 'cgroup.procs'), 'utf8').catch(() => '');
  return text.split('\n').filter(Boolean).map(Number);
}

/** SIGKILLs whatever is in the cgroups until they are empty (a fork may race the first round). */
export async function killAll(dirs: string[]): Promise<void> {
  for (let round = 0; round < 100; round++) {
    const pids = [...new Set((await Promise.all(dirs.map(procsOf))).flat())];
    if (pids.length === 0) return;
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    await sleep(20);
  }
}

export async function removeDirs(dirs: string[]): Promise<void> {
  await killAll(dirs);
  for (const dir of dirs) {
    // A killed task leaves its cgroup a moment after the signal: rmdir answers EBUSY until then.
    for (let attempt = 0; ; attempt++) {
      try {
        await rmdir(dir);
        break;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') break;
        if (code !== 'EBUSY' || attempt >= 50) throw error;
        await sleep(20);
      }
    }
  }
}
