import { lstat, readlink } from 'node:fs/promises';

/** How one top-level system directory appears inside the sandbox. */
export type SystemMount = { kind: 'ro-bind'; path: string } | { kind: 'symlink'; path: string; target: string };

/** Programs and their libraries; `/usr/local` comes with `/usr`. Nothing else of the host's tree is visible. */
const SYSTEM_DIRS = ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'];

/**
 * The parts of /etc that programs need to run, resolve names and verify TLS; the rest of /etc (service configs,
 * credentials of other software) stays out of sight. Missing entries are skipped.
 */
export const ETC_ENTRIES = [
  '/etc/alternatives',
  '/etc/ca-certificates',
  '/etc/gai.conf',
  '/etc/group',
  '/etc/host.conf',
  '/etc/hosts',
  '/etc/ld.so.cache',
  '/etc/ld.so.conf',
  '/etc/ld.so.conf.d',
  '/etc/localtime',
  '/etc/mime.types',
  '/etc/nsswitch.conf',
  '/etc/os-release',
  '/etc/passwd',
  '/etc/pki',
  '/etc/resolv.conf',
  '/etc/ssl',
];

/**
 * Reads how this host lays out its system directories: on merged-/usr distributions /bin, /lib… are symlinks into
 * /usr and must stay symlinks in the sandbox, elsewhere they are directories to bind.
 */
export async function readHostLayout(): Promise<SystemMount[]> {
  const mounts: SystemMount[] = [];
  for (const path of SYSTEM_DIRS) {
    const stat = await lstat(path).catch(() => undefined);
    if (!stat) continue;
    if (stat.isSymbolicLink()) mounts.push({ kind: 'symlink', path, target: await readlink(path) });
    else if (stat.isDirectory()) mounts.push({ kind: 'ro-bind', path });
  }
  return mounts;
}
