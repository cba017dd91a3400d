import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { exists, removeDirs } from './cgroup-fs';
import { CGROUP_FILES, CgroupInstance, type InstanceDirs, type VersionFiles } from './cgroup-instance';
import type { CgroupLayout } from './cgroup-layout';
import { isAlive } from './process-group';
import type { InstanceLimits, LimitedInstance, ResourceLimiter } from './resource-limiter';

const NAME_PREFIX = 'portcullis.';
const MIB = 1024 * 1024;

/**
 * Memory and task limits through cgroups, created as children of the orchestrator's own cgroup: exact (resident
 * memory including tmpfs, every task), and the cgroup also tells why a server died and finds every process to kill.
 * Needs a writable cgroup hierarchy, i.e. root on the host or a delegated cgroup.
 */
export class CgroupLimiter implements ResourceLimiter {
  private readonly files: VersionFiles;

  /** Use open() outside tests: it proves the hierarchy is usable first. */
  constructor(
    private readonly layout: CgroupLayout,
    private readonly sh: string,
  ) {
    this.files = CGROUP_FILES[layout.version];
  }

  get description(): string {
    return this.layout.version === 1
      ? `cgroup v1 (memory under ${this.layout.memory}, pids under ${this.layout.pids})`
      : `cgroup v2 (under ${this.layout.dir})`;
  }

  /**
   * Proves cgroups can be created and limited here with a throw-away one, after removing those that
   * orchestrators which died left behind.
   */
  static async open(layout: CgroupLayout, sh: string): Promise<CgroupLimiter> {
    const limiter = new CgroupLimiter(layout, sh);
    if (layout.version === 2) await enableControllers(layout.dir);
    await limiter.removeStale();
    const probe = await limiter.create(`probe-${randomUUID()}`, { memoryBytes: 64 * MIB, processes: 8 });
    await probe.release();
    return limiter;
  }

  private get bases(): string[] {
    return this.layout.version === 1 ? [this.layout.memory, this.layout.pids] : [this.layout.dir];
  }

  async create(name: string, limits: InstanceLimits): Promise<LimitedInstance> {
    const cgroupName = `${NAME_PREFIX}${process.pid}.${name}`;
    const dirs: InstanceDirs =
      this.layout.version === 1
        ? { memory: join(this.layout.memory, cgroupName), pids: join(this.layout.pids, cgroupName) }
        : { memory: join(this.layout.dir, cgroupName), pids: join(this.layout.dir, cgroupName) };
    const all = [...new Set([dirs.memory, dirs.pids])];
    try {
      for (const dir of all) await mkdir(dir, { recursive: true });
      await writeFile(join(dirs.memory, this.files.memoryLimit), String(limits.memoryBytes));
      const [swapFile, swapValue] = this.files.swapLimit(limits.memoryBytes);
      if (await exists(join(dirs.memory, swapFile))) await writeFile(join(dirs.memory, swapFile), swapValue);
      await writeFile(join(dirs.pids, 'pids.max'), String(limits.processes));
    } catch (error) {
      await removeDirs(all).catch(() => undefined);
      throw error;
    }
    return new CgroupInstance(dirs, this.files, limits, this.sh);
  }

  private async removeStale(): Promise<void> {
    for (const base of this.bases) {
      for (const entry of await readdir(base, { withFileTypes: true })) {
        const owner =
          entry.isDirectory() && entry.name.startsWith(NAME_PREFIX) ? Number(entry.name.split('.')[1]) : NaN;
        if (Number.isInteger(owner) && owner !== process.pid && !isAlive(owner)) {
          await removeDirs([join(base, entry.name)]);
        }
      }
    }
  }
}

/** v2 only lets a cgroup's children use controllers that the cgroup enables for its subtree. */
async function enableControllers(dir: string): Promise<void> {
  const enabled = (await readFile(join(dir, 'cgroup.subtree_control'), 'utf8')).split(/\s+/);
  const missing = ['memory', 'pids'].filter((controller) => !enabled.includes(controller));
  if (missing.length === 0) return;
  try {
    await writeFile(join(dir, 'cgroup.subtree_control'), missing.map((controller) => `+${controller}`).join(' '));
  } catch (error) {
    throw new Error(
      `cannot enable ${missing.join(' and ')} for the children of ${dir} (${(error as Error).message}); ` +
        'cgroup v2 needs a delegated cgroup that holds no processes itself',
      { cause: error },
    );
  }
}
