import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { SERVER_WORKDIR } from '../server-definition.schema';
import {
  packagedServer,
  passableTempDir,
  probe,
  probeServer,
  processTree,
  REPO_TMP,
  stillRunning,
  textOf,
} from './fixtures/local-runtime.fixtures';
import { parseCgroupLayout } from './cgroup-layout';
import { LocalRuntime } from './local-runtime';

function ownCgroupBases(): string[] {
  const layout = parseCgroupLayout(
    readFileSync('/proc/self/mountinfo', 'utf8'),
    readFileSync('/proc/self/cgroup', 'utf8'),
  );
  if ('unavailable' in layout) throw new Error(layout.unavailable);
  return layout.version === 1 ? [layout.memory, layout.pids] : [layout.dir];
}

/**
 * Real MCP servers and the probe fixture, each in its own bubblewrap sandbox, driven by the SDK client the runtime
 * hands out: what a server can reach and what it cannot.
 */
describe(LocalRuntime.name, () => {
  let state: Awaited<ReturnType<typeof passableTempDir>>;
  let outside: Awaited<ReturnType<typeof passableTempDir>>;
  let besideRepo: Awaited<ReturnType<typeof passableTempDir>>;
  let repoSecretPath: string;
  let runtime: LocalRuntime;
  let secretPath: string;
  let listener: Server;
  let port: number;
  let accepted: number;

  beforeAll(async () => {
    // The secret lives where the orchestrator can read it but no sandbox has it mounted.
    outside = await passableTempDir('pc-outside-');
    secretPath = join(outside.path, 'secret.txt');
    await writeFile(secretPath, 'the orchestrator keeps this', { mode: 0o644 });
    // World-readable and outside /tmp: only the sandbox's narrow set of mounts keeps it out of sight.
    besideRepo = await passableTempDir('pc-outside-', REPO_TMP);
    repoSecretPath = join(besideRepo.path, 'secret.txt');
    await writeFile(repoSecretPath, 'the repository keeps this', { mode: 0o644 });
    accepted = 0;
    listener = createServer((socket) => {
      accepted += 1;
      socket.end();
    });
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    port = (listener.address() as { port: number }).port;
  });

  afterAll(async () => {
    await new Promise((resolve) => listener.close(resolve));
    await outside.remove();
    await besideRepo.remove();
  });

  beforeEach(async () => {
    state = await passableTempDir('pc-runtime-');
    runtime = new LocalRuntime({ stateDir: join(state.path, 'state'), startupTimeoutMs: 15_000, stopGraceMs: 1_000 });
  });

  afterEach(async () => {
    await runtime.shutdown();
    await state.remove();
  });

  it('should initialise, list and call the echo tool of server-everything over stdio', async () => {
    const started = await runtime.start(
      packagedServer('everything', '@modelcontextprotocol/server-everything/dist/index.js', ['stdio']),
    );
    expect(started).toMatchObject({ state: 'running', serverId: 'everything', runtime: 'local', restarts: 0 });

    const client = await runtime.client(started.instanceId);
    expect(client.getServerVersion()?.name).toContain('everything');
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name)).toContain('echo');
    const echoed = await client.callTool({ name: 'echo', arguments: { message: 'through the sandbox' } });
    expect(textOf(echoed)).toBe('Echo: through the sandbox');
  });

  it('should let server-filesystem work inside its directory and refuse an absolute path outside', async () => {
    const definition = {
      ...packagedServer('files', '@modelcontextprotocol/server-filesystem/dist/index.js', [SERVER_WORKDIR]),
      workingDirectory: 'persistent' as const,
    };
    const { instanceId } = await runtime.start(definition);
    const client = await runtime.client(instanceId);

    await client.callTool({ name: 'write_file', arguments: { path: `${SERVER_WORKDIR}/note.txt`, content: 'kept' } });
    const listing = await client.callTool({ name: 'list_directory', arguments: { path: SERVER_WORKDIR } });
    expect(textOf(listing)).toContain('note.txt');
    const read = await client.callTool({ name: 'read_text_file', arguments: { path: `${SERVER_WORKDIR}/note.txt` } });
    expect(textOf(read)).toBe('kept');
    // The server's /workspace is the host directory kept for this server id.
    expect(readFileSync(join(state.path, 'state', 'servers', 'files', 'note.txt'), 'utf8')).toBe('kept');

    const stolen = await client.callTool({ name: 'read_text_file', arguments: { path: secretPath } });
    expect(stolen.isError).toBe(true);
    expect(textOf(stolen)).not.toContain('the orchestrator keeps this');
  });

  it('should hide the host from server-filesystem even when the server itself allows every path', async () => {
    const { instanceId } = await runtime.start(
      packagedServer('files-root', '@modelcontextprotocol/server-filesystem/dist/index.js', ['/']),
    );
    const client = await runtime.client(instanceId);

    for (const path of [secretPath, repoSecretPath]) {
      const stolen = await client.callTool({ name: 'read_text_file', arguments: { path } });
      expect(stolen.isError).toBe(true);
      expect(textOf(stolen)).toMatch(/ENOENT|no such file/i);
    }
    const root = await client.callTool({ name: 'list_directory', arguments: { path: '/' } });
    expect(textOf(root)).not.toMatch(/\broot\b|\bvar\b|\bsrv\b/);
    expect(readFileSync(secretPath, 'utf8')).toBe('the orchestrator keeps this');
  });

  it('should keep a raw process from reading outside files, reaching the network or seeing the orchestrator', async () => {
    process.env.PC_ORCHESTRATOR_SECRET = 'must not leak';
    try {
      const { instanceId } = await runtime.start(probeServer({ env: { GREETING: 'hello' } }));
      const client = await runtime.client(instanceId);

      expect(await probe(client, 'read_file', { path: secretPath })).toEqual({ ok: false, code: 'ENOENT' });
      expect(await probe(client, 'read_file', { path: repoSecretPath })).toEqual({ ok: false, code: 'ENOENT' });
      expect(readFileSync(repoSecretPath, 'utf8')).toBe('the repository keeps this');
      expect(await probe(client, 'read_file', { path: '/etc/shadow' })).toEqual({ ok: false, code: 'ENOENT' });
      expect(await probe(client, 'write_file', { path: join(process.execPath, '..', 'x'), text: '' })).toMatchObject({
        ok: false,
      });
      const connection = await probe(client, 'connect', { host: '127.0.0.1', port });
      expect(connection).toMatchObject({ ok: false });
      expect(accepted).toBe(0);

      const self = await probe<{ uid: number; cwd: string; home: string; envKeys: string[] }>(client, 'whoami');
      expect(self.uid).not.toBe(0);
      expect(self.cwd).toBe(SERVER_WORKDIR);
      // PWD is bubblewrap's, from --chdir.
      expect(self.envKeys).toEqual(['GREETING', 'HOME', 'LANG', 'PATH', 'PWD', 'TMPDIR']);
      expect(await probe(client, 'write_file', { path: `${SERVER_WORKDIR}/mine.txt`, text: 'ok' })).toEqual({
        ok: true,
      });
      expect(await probe(client, 'write_file', { path: '/tmp/scratch.txt', text: 'ok' })).toEqual({ ok: true });
    } finally {
      delete process.env.PC_ORCHESTRATOR_SECRET;
    }
  });

  it('should let the server connect out when its definition allows hosts', async () => {
    const { instanceId } = await runtime.start(probeServer({ network: ['127.0.0.1'] }));
    const client = await runtime.client(instanceId);

    // The listener may see the connection a moment after the probe reports it.
    const connection = once(listener, 'connection', { signal: AbortSignal.timeout(5_000) });
    expect(await probe(client, 'connect', { host: '127.0.0.1', port })).toEqual({ ok: true });
    await connection;
    accepted = 0;
  });

  it('should kill a server that exceeds its memory limit and say so', async () => {
    expect((await runtime.prepare()).limits).toMatch(/^cgroup/);
    const { instanceId } = await runtime.start(probeServer({ memoryLimitBytes: 160 * 1024 * 1024 }));
    const client = await runtime.client(instanceId);

    await expect(probe(client, 'allocate', { mib: 400 })).rejects.toThrow(/closed/i);
    const restarted = await runtime.client(instanceId);
    expect(runtime.status(instanceId)?.lastExit).toMatchObject({
      signal: null,
      reason: 'killed by the kernel: memory limit of 160 MiB reached',
    });
    expect(await probe(restarted, 'allocate', { mib: 20 })).toEqual({ allocated: 20 });
  });

  it('should cap the tasks a server may create', async () => {
    const { instanceId, pid } = await runtime.start(probeServer({ processLimit: 24 }));
    const client = await runtime.client(instanceId);

    const spawned = await probe<{ started: number; failed: number }>(client, 'spawn_children', { count: 30 });
    expect(spawned.failed).toBeGreaterThan(0);
    expect(spawned.started).toBeLessThan(24);
    expect(processTree(pid as number).length).toBeLessThanOrEqual(24);
    expect(await probe(client, 'whoami')).toMatchObject({ cwd: SERVER_WORKDIR });
  });

  it('should cap tasks with rlimits where cgroups are not used', async () => {
    const rlimited = new LocalRuntime({ stateDir: join(state.path, 'rlimit'), limits: 'rlimit' });
    try {
      expect((await rlimited.prepare()).limits).toContain('RLIMIT_NPROC');
      // RLIMIT_DATA counts what V8 reserves up front: Node needs about 1 GiB of it to start.
      const memoryLimitBytes = 2 * 1024 ** 3;
      const { instanceId } = await rlimited.start(probeServer({ processLimit: 24, memoryLimitBytes }));
      const spawned = await probe<{ started: number; failed: number }>(
        await rlimited.client(instanceId),
        'spawn_children',
        { count: 30 },
      );
      expect(spawned.failed).toBeGreaterThan(0);
      expect(spawned.started).toBeLessThan(24);
    } finally {
      await rlimited.shutdown();
    }
  });

  it('should remove the ephemeral working directory and leave no process behind on stop', async () => {
    const { instanceId, pid } = await runtime.start(probeServer());
    const client = await runtime.client(instanceId);
    await probe(client, 'spawn_children', { count: 3 });
    await probe(client, 'write_file', { path: `${SERVER_WORKDIR}/data.txt`, text: 'x' });
    const tree = processTree(pid as number);
    expect(tree.length).toBeGreaterThanOrEqual(5);
    const workdir = join(state.path, 'state', 'instances', instanceId);
    expect(existsSync(join(workdir, 'data.txt'))).toBe(true);
    const cgroups = ownCgroupBases().map((base) => join(base, `portcullis.${process.pid}.${instanceId}`));
    expect(cgroups.filter((dir) => existsSync(dir))).toEqual(cgroups);

    await runtime.stop(instanceId);

    expect(stillRunning(tree)).toEqual([]);
    expect(existsSync(workdir)).toBe(false);
    expect(cgroups.filter((dir) => existsSync(dir))).toEqual([]);
    expect(runtime.status(instanceId)).toMatchObject({ state: 'stopped', reason: 'stopped on request' });
    await expect(runtime.client(instanceId)).rejects.toThrow(/is stopped/);
  });

  it('should refuse a definition whose paths the sandbox cannot mount', async () => {
    await mkdir(join(outside.path, 'private'), { mode: 0o700 });
    await mkdir(join(outside.path, 'private', 'inner'));
    await expect(runtime.start(probeServer({ readOnlyPaths: [join(outside.path, 'missing')] }))).rejects.toThrow(
      /does not exist/,
    );
    await expect(
      runtime.start(probeServer({ readOnlyPaths: [join(outside.path, 'private', 'inner')] })),
    ).rejects.toThrow(/chmod o\+x/);
    await expect(runtime.start(probeServer({ id: 'Not Valid' }))).rejects.toThrow(/invalid server definition: id/);
  });
});
