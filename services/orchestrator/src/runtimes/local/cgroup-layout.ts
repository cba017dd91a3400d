import { join } from 'node:path';

/** Where this process may create child cgroups with memory and pids controllers. */
export type CgroupLayout = { version: 1; memory: string; pids: string } | { version: 2; dir: string };

interface Mount {
  root: string;
  mountPoint: string;
  fsType: string;
  superOptions: string[];
}

function parseMountInfo(mountInfo: string): Mount[] {
  return mountInfo
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [before, after = ''] = line.split(' - ');
      const fields = before.split(' ');
      const [fsType = '', , superOptions = ''] = after.split(' ');
      return { root: fields[3], mountPoint: fields[4], fsType, superOptions: superOptions.split(',') };
    });
}

/** `hierarchy:controllers:path` lines of /proc/self/cgroup, keyed by controller ('' for the v2 line). */
function parseOwnCgroups(cgroupFile: string): Map<string, string> {
  const paths = new Map<string, string>();
  for (const line of cgroupFile.split('\n').filter(Boolean)) {
    const [, controllers, ...rest] = line.split(':');
    const path = rest.join(':');
    for (const controller of controllers.split(',')) paths.set(controller, path);
  }
  return paths;
}

/** Our own cgroup as a directory: the mount point plus our path below the mount's root. */
function ownDir(mount: Mount, path: string): string | undefined {
  let below: string | undefined;
  if (mount.root === '/') below = path;
  else if (path === mount.root || path.startsWith(`${mount.root}/`)) below = path.slice(mount.root.length);
  // join() keeps the trailing slash of a root cgroup ("/"); the directory is the mount point itself.
  return below === undefined ? undefined : join(mount.mountPoint, below).replace(/(.)\/$/, '$1');
}

/**
 * Finds our own cgroups from /proc/self/mountinfo and /proc/self/cgroup. v1 (or a hybrid host, where the
 * controllers sit on v1) needs both the memory and the pids hierarchy; otherwise the v2 unified hierarchy is used.
 * Returns a reason instead when neither is mounted.
 */
export function parseCgroupLayout(mountInfo: string, cgroupFile: string): CgroupLayout | { unavailable: string } {
  const mounts = parseMountInfo(mountInfo);
  const own = parseOwnCgroups(cgroupFile);
  const v1 = (controller: string) => {
    const mount = mounts.find((m) => m.fsType === 'cgroup' && m.superOptions.includes(controller));
    const path = own.get(controller);
    return mount && path !== undefined ? ownDir(mount, path) : undefined;
  };
  const memory = v1('memory');
  const pids = v1('pids');
  if (memory && pids) return { version: 1, memory, pids };
  const unified = mounts.find((m) => m.fsType === 'cgroup2');
  const path = own.get('');
  const dir = unified && path !== undefined ? ownDir(unified, path) : undefined;
  if (dir) return { version: 2, dir };
  return { unavailable: 'no cgroup v1 memory+pids hierarchies and no cgroup v2 mount' };
}
