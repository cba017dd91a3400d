import { parseCgroupLayout } from './cgroup-layout';

const hybridMounts = [
  '31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755',
  '35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory',
  '39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids',
  '41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw',
].join('\n');

describe('parseCgroupLayout', () => {
  it('should use the v1 memory and pids hierarchies of a hybrid host, below our own cgroups', () => {
    const own = ['8:pids:/', '4:memory:/process_api/abc', '0::/'].join('\n');
    expect(parseCgroupLayout(hybridMounts, own)).toEqual({
      version: 1,
      memory: '/sys/fs/cgroup/memory/process_api/abc',
      pids: '/sys/fs/cgroup/pids',
    });
  });

  it('should use the unified hierarchy on a v2-only host', () => {
    const mounts = '30 23 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate';
    expect(parseCgroupLayout(mounts, '0::/system.slice/portcullis.service\n')).toEqual({
      version: 2,
      dir: '/sys/fs/cgroup/system.slice/portcullis.service',
    });
  });

  it('should map our path through a mount whose root is not the hierarchy root (a container)', () => {
    const mounts = '30 23 0:26 /docker/abc /sys/fs/cgroup ro,nosuid - cgroup2 cgroup2 rw';
    expect(parseCgroupLayout(mounts, '0::/docker/abc/app\n')).toEqual({ version: 2, dir: '/sys/fs/cgroup/app' });
  });

  it('should say why when there is no cgroup hierarchy at all', () => {
    expect(parseCgroupLayout('22 1 0:20 / /proc rw - proc proc rw', '')).toEqual({
      unavailable: 'no cgroup v1 memory+pids hierarchies and no cgroup v2 mount',
    });
  });
});
