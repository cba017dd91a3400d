import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CgroupLimiter } from './cgroup-limiter';

/** A plain directory stands in for the cgroup filesystem: what matters here is which files get which values. */
describe(CgroupLimiter.name, () => {
  let root: string;
  const limits = { memoryBytes: 256 * 1024 * 1024, processes: 32 };

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'pc-cgroup-'));
  });

  afterEach(() => rm(root, { recursive: true, force: true }));

  it('should write v1 limits into the memory and pids hierarchies and join both before exec', async () => {
    const limiter = new CgroupLimiter(
      { version: 1, memory: join(root, 'memory'), pids: join(root, 'pids') },
      '/bin/sh',
    );
    const instance = await limiter.create('i1', limits);
    const name = `portcullis.${process.pid}.i1`;

    expect(await readFile(join(root, 'memory', name, 'memory.limit_in_bytes'), 'utf8')).toBe(
      String(limits.memoryBytes),
    );
    expect(await readFile(join(root, 'pids', name, 'pids.max'), 'utf8')).toBe('32');
    expect(instance.prefix).toEqual([
      '/bin/sh',
      '-c',
      expect.stringContaining('exec "$@"'),
      'cgroup-join',
      '2',
      join(root, 'memory', name, 'cgroup.procs'),
      join(root, 'pids', name, 'cgroup.procs'),
    ]);
    expect(instance.rlimits).toEqual([]);
  });

  it('should write v2 limits into one cgroup and turn swap off when the kernel accounts it', async () => {
    const limiter = new CgroupLimiter({ version: 2, dir: root }, '/bin/sh');
    const dir = join(root, `portcullis.${process.pid}.i2`);
    await limiter.create('i2', limits);
    expect(await readFile(join(dir, 'memory.max'), 'utf8')).toBe(String(limits.memoryBytes));
    expect(await readFile(join(dir, 'pids.max'), 'utf8')).toBe('32');

    await writeFile(join(dir, 'memory.swap.max'), 'max');
    await limiter.create('i2', limits);
    expect(await readFile(join(dir, 'memory.swap.max'), 'utf8')).toBe('0');
  });

  it('should explain an exit by the OOM kills and task-limit hits since the last exit', async () => {
    const limiter = new CgroupLimiter({ version: 2, dir: root }, '/bin/sh');
    const instance = await limiter.create('i3', limits);
    const dir = join(root, `portcullis.${process.pid}.i3`);
    expect(await instance.explainExit()).toBeUndefined();

    await writeFile(join(dir, 'memory.events'), 'low 0\nhigh 0\nmax 4\noom 1\noom_kill 1\n');
    await writeFile(join(dir, 'pids.events'), 'max 2\n');
    expect(await instance.explainExit()).toBe(
      'killed by the kernel: memory limit of 256 MiB reached; hit the limit of 32 tasks',
    );
    expect(await instance.explainExit()).toBeUndefined();
  });
});
