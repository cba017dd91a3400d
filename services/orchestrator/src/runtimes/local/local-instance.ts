import { spawn } from 'node:child_process';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { LineSplitter } from '../line-splitter';
import { LogRing } from '../log-ring';
import { InstanceNotRunningError, InstanceStartError } from '../runtime.errors';
import {
  type FollowLogsOptions,
  type InstanceExit,
  type InstanceState,
  type InstanceStatus,
  type LogLine,
  type RuntimeEvent,
  TERMINAL_STATES,
} from '../runtime.types';
import type { ServerDefinition } from '../server-definition.schema';
import { CallActivity } from './call-activity';
import { ChildStdioTransport, type SandboxProcess } from './child-stdio.transport';
import { CrashHistory } from './crash-history';
import { describeExit } from './describe-exit';
import type { LocalRuntimeConfig } from './local-runtime.config';
import { signalGroup, within } from './process-group';
import type { LimitedInstance } from './resource-limiter';
import { sandboxCommand, type SandboxIdentity } from './sandbox-command';
import type { SandboxEnvironment } from './sandbox-environment';

/** How long a killed sandbox may take to be reaped before stop gives up waiting. */
const KILL_WAIT_MS = 5_000;
/** Lines of stderr quoted in a start failure. */
const START_FAILURE_LINES = 20;

export interface InstanceDeps {
  definition: ServerDefinition;
  instanceId: string;
  identity?: SandboxIdentity;
  config: LocalRuntimeConfig;
  environment: SandboxEnvironment;
  createClient: () => Client;
  emit: (event: RuntimeEvent) => void;
  /** Called once the instance has released everything and become stopped or crash-looping. */
  onTerminal: (instance: LocalInstance) => void;
}

interface SandboxRun {
  generation: number;
  child: SandboxProcess;
  closed: Promise<void>;
}

interface Waiter {
  resolve: (client: Client) => void;
  reject: (error: Error) => void;
}

/**
 * One supervised server: its sandboxed process, the MCP client connected to it, restarts with backoff,
 * crash-loop detection and idle reaping. Each spawn is a generation; events of an older one are ignored.
 */
export class LocalInstance {
  private state: InstanceState = 'starting';
  private since = new Date();
  private readonly createdAt = new Date();
  private restarts = 0;
  private reason?: string;
  private lastExit?: InstanceExit;
  private everRan = false;
  private readonly logRing: LogRing;
  private readonly crashes: CrashHistory;
  private readonly activity = new CallActivity();
  private generation = 0;
  private run?: SandboxRun;
  private connected?: Client;
  private launchFailure?: string;
  private limited?: LimitedInstance;
  private workdir?: string;
  private restartTimer?: NodeJS.Timeout;
  private idleTimer?: NodeJS.Timeout;
  private ending?: Promise<void>;
  private readonly waiters = new Set<Waiter>();

  constructor(private readonly deps: InstanceDeps) {
    this.logRing = new LogRing(deps.instanceId, deps.config.logs, (line) => deps.emit({ type: 'log', ...line }));
    this.crashes = new CrashHistory(deps.config.restart);
  }

  get id(): string {
    return this.deps.instanceId;
  }

  get terminal(): boolean {
    return TERMINAL_STATES.includes(this.state);
  }

  /**
   * Prepares the working directory and the limits, then spawns the first process. A failure here is not a crash
   * (the host or the definition is wrong), so it ends the instance at once.
   */
  async begin(): Promise<void> {
    const { definition, environment, identity } = this.deps;
    this.emitStatus(null);
    try {
      this.workdir = await environment.workdirs.prepare(definition, this.id, identity);
      this.limited = await environment.limiter.create(this.id, {
        memoryBytes: definition.memoryLimitBytes,
        processes: definition.processLimit,
      });
    } catch (error) {
      await this.end('stopped', `could not prepare the sandbox: ${(error as Error).message}`);
      throw error;
    }
    if (this.ending) {
      // Stopped while preparing: end() ran before the cgroup existed.
      await this.release();
      throw this.notRunning();
    }
    this.launch();
  }

  status(): InstanceStatus {
    return {
      instanceId: this.id,
      serverId: this.deps.definition.id,
      runtime: 'local',
      state: this.state,
      since: this.since.toISOString(),
      createdAt: this.createdAt.toISOString(),
      restarts: this.restarts,
      ...(this.run?.child.pid !== undefined ? { pid: this.run.child.pid } : {}),
      ...(this.reason ? { reason: this.reason } : {}),
      ...(this.lastExit ? { lastExit: this.lastExit } : {}),
    };
  }

  logs(): LogLine[] {
    return this.logRing.snapshot();
  }

  followLogs(options?: FollowLogsOptions): AsyncIterable<LogLine> {
    return this.logRing.follow(options);
  }

  whenRunning(): Promise<Client> {
    if (this.state === 'running' && this.connected) return Promise.resolve(this.connected);
    if (this.terminal) return Promise.reject(this.notRunning());
    return new Promise((resolve, reject) => this.waiters.add({ resolve, reject }));
  }

  stop(reason: string): Promise<void> {
    return this.end('stopped', reason);
  }

  private launch(): void {
    const { definition, environment, identity, config } = this.deps;
    const generation = ++this.generation;
    if (this.state !== 'starting') this.setState('starting');
    this.launchFailure = undefined;
    this.activity.reset();
    const command = sandboxCommand({
      definition,
      workdir: this.workdir as string,
      tools: environment.tools,
      layout: environment.layout,
      identity,
      prefix: this.limited?.prefix ?? [],
      rlimits: this.limited?.rlimits ?? [],
    });
    let child: SandboxProcess;
    try {
      // Detached: the sandbox leads its own process group, so one signal reaches every process of the chain.
      child = spawn(command.file, command.args, { env: command.env, stdio: 'pipe', detached: true });
    } catch (error) {
      // spawn() throws only for arguments it cannot pass at all: restarting would not help.
      void this.end('stopped', `could not spawn the sandbox: ${(error as Error).message}`);
      return;
    }
    const closed = new Promise<void>((resolve) =>
      child.once('close', (code: number | null, signal: NodeJS.Signals | null) => {
        void this.onExit(generation, code, signal).finally(resolve);
      }),
    );
    this.run = { generation, child, closed };
    child.on('error', (error) => this.logRing.push('runtime', `spawn failed: ${error.message}`));
    const stderr = new LineSplitter(config.logs.maxLineLength, (line) => this.logRing.push('stderr', line));
    child.stderr.on('data', (chunk: Buffer) => stderr.write(chunk));
    child.stderr.on('end', () => stderr.end());
    this.logRing.push('runtime', `started ${definition.command} (sandbox pid ${child.pid ?? 'none'})`);

    const client = this.deps.createClient();
    client.onerror = (error) => this.logRing.push('runtime', `protocol error: ${error.message}`);
    client.connect(new ChildStdioTransport(child, this.activity), { timeout: config.startupTimeoutMs }).then(
      () => this.onConnected(generation, client),
      (error: Error) => this.onConnectFailed(generation, child, error),
    );
  }

  private onConnected(generation: number, client: Client): void {
    if (generation !== this.generation || this.ending) return;
    this.connected = client;
    this.everRan = true;
    this.setState('running');
    for (const waiter of this.waiters) waiter.resolve(client);
    this.waiters.clear();
    this.scheduleIdleCheck();
  }

  private onConnectFailed(generation: number, child: SandboxProcess, error: Error): void {
    if (generation !== this.generation || this.ending) return;
    this.launchFailure = `initialize failed: ${error.message}`;
    // A server that hangs in initialize is killed; its exit then goes through the crash path. One that has exited
    // already is left alone: its pid may belong to someone else by now.
    const exited = child.exitCode !== null || child.signalCode !== null;
    if (child.pid !== undefined && !exited) signalGroup(child.pid, 'SIGKILL');
  }

  private async onExit(generation: number, code: number | null, signal: NodeJS.Signals | null): Promise<void> {
    if (generation !== this.generation) return;
    this.run = undefined;
    this.connected = undefined;
    clearTimeout(this.idleTimer);
    const explained = await this.limited?.explainExit().catch(() => undefined);
    const reason = [explained, this.launchFailure].filter(Boolean).join('; ');
    this.lastExit = { code, signal, at: new Date().toISOString(), ...(reason ? { reason } : {}) };
    this.logRing.push('runtime', `exited with ${describeExit(this.lastExit)}`);
    if (this.ending) return;
    await this.limited?.killRemaining().catch(() => undefined);
    if (this.ending) return;

    const verdict = this.crashes.record();
    this.setState('crashed', describeExit(this.lastExit));
    if (verdict.crashLoop) {
      const windowSeconds = this.deps.config.restart.crashLoopWindowMs / 1000;
      const why = `crashed ${verdict.recentCrashes} times within ${windowSeconds} s; last exit ${describeExit(this.lastExit)}`;
      this.logRing.push('runtime', `${why}: not restarting`);
      await this.end('crash-looping', why);
      return;
    }
    this.restarts += 1;
    this.setState('restarting', `restart in ${verdict.delayMs} ms after ${describeExit(this.lastExit)}`);
    this.logRing.push('runtime', `restarting in ${verdict.delayMs} ms`);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (!this.ending) this.launch();
    }, verdict.delayMs);
  }

  private scheduleIdleCheck(): void {
    const timeout = this.deps.definition.idleTimeoutMs;
    if (timeout === null) return;
    clearTimeout(this.idleTimer);
    // While a call is in flight idleFor() is 0, so the next look comes a whole timeout later.
    this.idleTimer = setTimeout(
      () => {
        if (this.state !== 'running') return;
        if (this.activity.idleFor() >= timeout) void this.end('stopped', `idle: no calls for ${timeout} ms`);
        else this.scheduleIdleCheck();
      },
      Math.max(timeout - this.activity.idleFor(), 10),
    );
    // Reaping is housekeeping: it must not keep the orchestrator's event loop alive on its own.
    this.idleTimer.unref();
  }

  /**
   * The one way out, shared by stop(), idle reaping and crash-loop detection: close stdin (how MCP asks a stdio
   * server to exit), kill the process group after the grace period, then remove the cgroups and the working
   * directory. bwrap's pid namespace takes down anything the server spawned when bwrap goes.
   */
  private end(state: 'stopped' | 'crash-looping', reason: string): Promise<void> {
    this.ending ??= (async () => {
      clearTimeout(this.restartTimer);
      clearTimeout(this.idleTimer);
      const run = this.run;
      if (run) {
        if (this.connected) await this.connected.close().catch(() => undefined);
        else run.child.stdin.end();
        if (!(await within(run.closed, this.deps.config.stopGraceMs)) && run.child.pid !== undefined) {
          signalGroup(run.child.pid, 'SIGKILL');
          await within(run.closed, KILL_WAIT_MS);
        }
      }
      await this.release();
      this.setState(state, reason);
      const error = this.notRunning();
      for (const waiter of this.waiters) waiter.reject(error);
      this.waiters.clear();
      this.logRing.close();
      this.deps.onTerminal(this);
    })();
    return this.ending;
  }

  private async release(): Promise<void> {
    try {
      await this.limited?.release();
    } catch (error) {
      this.logRing.push('runtime', `could not remove the limits' cgroup: ${(error as Error).message}`);
    }
    try {
      await this.deps.environment.workdirs.release(this.deps.definition, this.id);
    } catch (error) {
      this.logRing.push('runtime', `could not remove the working directory: ${(error as Error).message}`);
    }
  }

  private notRunning(): Error {
    if (this.everRan) return new InstanceNotRunningError(this.id, this.state, this.reason);
    const lastLines = this.logRing
      .snapshot()
      .filter((line) => line.stream === 'stderr')
      .slice(-START_FAILURE_LINES)
      .map((line) => line.text);
    return new InstanceStartError(this.id, `${this.state}: ${this.reason ?? 'unknown'}`, lastLines);
  }

  private setState(state: InstanceState, reason?: string): void {
    const previous = this.state;
    this.state = state;
    this.since = new Date();
    this.reason = reason;
    this.emitStatus(previous);
  }

  private emitStatus(previous: InstanceState | null): void {
    this.deps.emit({
      type: 'status',
      instanceId: this.id,
      serverId: this.deps.definition.id,
      state: this.state,
      previous,
      at: this.since.toISOString(),
      restarts: this.restarts,
      ...(this.reason ? { reason: this.reason } : {}),
    });
  }
}
