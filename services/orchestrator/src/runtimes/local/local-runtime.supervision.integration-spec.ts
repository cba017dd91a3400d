import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { InstanceStartError, RuntimeCapacityError } from '../runtime.errors';
import type { LogLine } from '../runtime.types';
import { serverDefinitionSchema } from '../server-definition.schema';
import {
  commandLine,
  nextState,
  passableTempDir,
  probe,
  probeServer,
  type ProcessId,
  processTree,
  recordStates,
  stillRunning,
  waitFor,
} from './fixtures/local-runtime.fixtures';
import { LocalRuntime } from './local-runtime';
import { localRuntimeConfigSchema } from './local-runtime.config';
import { sandboxCommand } from './sandbox-command';
import { prepareSandbox } from './sandbox-environment';

/** Restarts, crash loops, idle reaping, the cap, logs and process cleanup, with short timings. */
describe(`${LocalRuntime.name} supervision`, () => {
  let state: Awaited<ReturnType<typeof passableTempDir>>;
  let runtime: LocalRuntime;

  const restart = { initialDelayMs: 200, maxDelayMs: 2_000, crashLoopThreshold: 3, crashLoopWindowMs: 10_000 };

  beforeEach(async () => {
    state = await passableTempDir('pc-supervision-');
    runtime = new LocalRuntime({
      stateDir: join(state.path, 'state'),
      maxInstances: 2,
      startupTimeoutMs: 15_000,
      stopGraceMs: 1_000,
      restart,
      logs: { maxLines: 50, maxLineLength: 200 },
    });
  });

  afterEach(async () => {
    await runtime.shutdown();
    await state.remove();
  });

  /** The sandboxed Node process running the probe, as the host sees it. */
  function serverPid(sandboxPid: number): number {
    const server = processTree(sandboxPid).find(
      ({ pid }) => commandLine(pid).includes('probe-server.mjs') && !commandLine(pid).includes('bwrap'),
    );
    if (!server) throw new Error(`no probe server below ${sandboxPid}`);
    return server.pid;
  }

  it('should restart a killed server with a doubling delay and hand out a working client again', async () => {
    const { instanceId, pid } = await runtime.start(probeServer());
    const recorded = recordStates(runtime);

    process.kill(serverPid(pid as number), 'SIGKILL');
    const firstRun = await nextState(runtime, instanceId, 'running');
    const client = await runtime.client(instanceId);
    expect(await probe(client, 'whoami')).toMatchObject({ cwd: '/workspace' });

    process.kill(serverPid(runtime.status(instanceId)?.pid as number), 'SIGKILL');
    await nextState(runtime, instanceId, 'running');
    recorded.stop();

    expect(recorded.events.map((event) => event.state)).toEqual([
      'crashed',
      'restarting',
      'starting',
      'running',
      'crashed',
      'restarting',
      'starting',
      'running',
    ]);
    const restarts = recorded.events.filter((event) => event.state === 'restarting');
    expect(restarts.map((event) => event.reason)).toEqual([
      'restart in 200 ms after code 137 (SIGKILL)',
      'restart in 400 ms after code 137 (SIGKILL)',
    ]);
    const crashedAt = Date.parse(recorded.events[0].at);
    expect(Date.parse(firstRun.at) - crashedAt).toBeGreaterThanOrEqual(200);
    expect(runtime.status(instanceId)).toMatchObject({ state: 'running', restarts: 2 });
  });

  it('should declare a server that keeps exiting crash-looping and stop restarting it', async () => {
    const recorded = recordStates(runtime);
    const failing = probeServer({
      id: 'exits',
      args: ['-e', 'process.stderr.write("cannot start: missing API key\\n"); process.exit(3)'],
    });

    const failure = await runtime.start(failing).catch((error: unknown) => error);
    recorded.stop();

    expect(failure).toBeInstanceOf(InstanceStartError);
    expect((failure as InstanceStartError).message).toMatch(
      /crash-looping: crashed 3 times within 10 s; last exit code 3/,
    );
    expect((failure as InstanceStartError).lastLogLines).toContain('cannot start: missing API key');
    const instanceId = recorded.events[0].instanceId;
    expect(runtime.status(instanceId)).toMatchObject({ state: 'crash-looping', restarts: 2, lastExit: { code: 3 } });
    expect(recorded.events.map((event) => event.state)).toEqual([
      'starting',
      'crashed',
      'restarting',
      'starting',
      'crashed',
      'restarting',
      'starting',
      'crashed',
      'crash-looping',
    ]);
    // It no longer counts against the cap, and nothing restarts it.
    await sleep(500);
    expect(runtime.status(instanceId)?.state).toBe('crash-looping');
    await runtime.start(probeServer({ id: 'one' }));
    await runtime.start(probeServer({ id: 'two' }));
  });

  it('should reap an idle instance, but not while a call is in flight', async () => {
    const { instanceId, pid } = await runtime.start(probeServer({ idleTimeoutMs: 700 }));
    const tree = processTree(pid as number);
    const client = await runtime.client(instanceId);

    // The call outlasts the idle timeout; being in flight keeps the instance.
    expect(await probe(client, 'sleep', { ms: 1_200 })).toEqual({ slept: 1_200 });
    const callEnded = Date.now();
    expect(runtime.status(instanceId)?.state).toBe('running');

    const stopped = await nextState(runtime, instanceId, 'stopped', 3_000);
    expect(stopped.reason).toBe('idle: no calls for 700 ms');
    expect(Date.parse(stopped.at) - callEnded).toBeGreaterThanOrEqual(600);
    expect(stillRunning(tree)).toEqual([]);
    await expect(runtime.client(instanceId)).rejects.toThrow(/is stopped: idle/);
  });

  it('should refuse to start beyond the instance cap with a clear error, and accept again after a stop', async () => {
    const first = await runtime.start(probeServer({ id: 'first' }));
    await runtime.start(probeServer({ id: 'second' }));

    const refused = runtime.start(probeServer({ id: 'third' }));
    await expect(refused).rejects.toThrow(RuntimeCapacityError);
    await expect(refused).rejects.toThrow('instance cap reached: 2 of 2 instances are running');

    await runtime.stop(first.instanceId);
    await expect(runtime.start(probeServer({ id: 'third' }))).resolves.toMatchObject({ state: 'running' });
  });

  it('should keep the last stderr lines per instance and stream new ones', async () => {
    const { instanceId } = await runtime.start(probeServer());
    const client = await runtime.client(instanceId);
    expect(runtime.logs(instanceId).map((line) => line.text)).toContain('probe server ready');

    const abort = new AbortController();
    const followed: LogLine[] = [];
    const following = (async () => {
      for await (const line of runtime.followLogs(instanceId, { signal: abort.signal })) {
        followed.push(line);
        if (line.text === 'live 3') abort.abort();
      }
    })();
    await probe(client, 'log', { lines: 3, prefix: 'live' });
    await following;
    expect(followed.map((line) => line.text)).toEqual(['live 1', 'live 2', 'live 3']);

    await probe(client, 'log', { lines: 120, prefix: 'bulk' });
    await sleep(100);
    const lines = runtime.logs(instanceId);
    expect(lines).toHaveLength(50);
    expect(lines.at(-1)?.text).toBe('bulk 120');
    expect(lines.map((line) => line.seq)).toEqual(lines.map((_, index) => lines[0].seq + index));
  });

  it('should take every sandboxed process down when the orchestrator process dies', async () => {
    // A stand-in orchestrator spawns one sandbox exactly as the runtime does and is then SIGKILLed. The server
    // ignores its stdin, so the closed pipe cannot end it: only --die-with-parent and the pid namespace can.
    const config = localRuntimeConfigSchema.parse({ stateDir: join(state.path, 'parent') });
    const environment = await prepareSandbox(config);
    const definition = serverDefinitionSchema.parse({ id: 'sleeper', command: 'sleep', args: ['600'] });
    const identity = { uid: config.sandboxUidBase, gid: config.sandboxUidBase };
    const workdir = await environment.workdirs.prepare(definition, 'orphan-check', identity);
    const { tools, layout } = environment;
    const command = sandboxCommand({ definition, workdir, identity, tools, layout, prefix: [], rlimits: [] });
    const parent = spawn(
      process.execPath,
      [
        '-e',
        'require("child_process").spawn(process.argv[1], JSON.parse(process.argv[2]), { env: JSON.parse(process.argv[3]) }); setInterval(() => undefined, 1000);',
        command.file,
        JSON.stringify(command.args),
        JSON.stringify(command.env),
      ],
      { stdio: 'ignore' },
    );
    let tree: ProcessId[] = [];
    try {
      tree = await waitFor(() => {
        const current = processTree(parent.pid as number);
        return current.some(({ pid }) => commandLine(pid) === 'sleep 600') ? current : undefined;
      }, 'the sandboxed sleep');

      parent.kill('SIGKILL');
      await once(parent, 'close');

      await waitFor(() => (stillRunning(tree).length === 0 ? true : undefined), 'the sandbox to die').catch(
        () => undefined,
      );
      expect(stillRunning(tree)).toEqual([]);
    } finally {
      parent.kill('SIGKILL');
      for (const { pid } of stillRunning(tree)) process.kill(pid, 'SIGKILL');
      await environment.workdirs.release(definition, 'orphan-check');
    }
  });
});
