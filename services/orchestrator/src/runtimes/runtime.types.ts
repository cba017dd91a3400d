import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { ServerDefinitionInput } from './server-definition.schema';

export type RuntimeKind = 'local' | 'remote' | 'kubernetes';

/**
 * Lifecycle of one instance:
 * starting → running → (unexpected exit) crashed → restarting → starting …
 * crashed → crash-looping once it crashed too often in the window: no more restarts until started again.
 * any → stopped on stop(), idle reaping or shutdown.
 */
export const INSTANCE_STATES = ['starting', 'running', 'crashed', 'restarting', 'crash-looping', 'stopped'] as const;
export type InstanceState = (typeof INSTANCE_STATES)[number];

/** States in which an instance holds no process and will not get one again. */
export const TERMINAL_STATES: readonly InstanceState[] = ['crash-looping', 'stopped'];

export interface InstanceExit {
  code: number | null;
  signal: string | null;
  at: string;
  /** What the runtime knows beyond the exit status, e.g. that the memory limit was hit. */
  reason?: string;
}

export interface InstanceStatus {
  instanceId: string;
  serverId: string;
  runtime: RuntimeKind;
  state: InstanceState;
  /** When the instance entered its current state (ISO 8601). */
  since: string;
  createdAt: string;
  /** Restarts after crashes over the instance's life. */
  restarts: number;
  /** Host pid of the instance's process while it has one, where the runtime runs processes itself. */
  pid?: number;
  /** Why it is in its state, for crashed, restarting, crash-looping and stopped. */
  reason?: string;
  lastExit?: InstanceExit;
}

export interface InstanceStatusEvent {
  type: 'status';
  instanceId: string;
  serverId: string;
  state: InstanceState;
  previous: InstanceState | null;
  at: string;
  reason?: string;
  restarts: number;
}

export interface LogLine {
  instanceId: string;
  /** Increases by one per line of an instance, so a follower can tell when lines were dropped. */
  seq: number;
  at: string;
  /** `stderr` is the server's own output; `runtime` lines are what the supervisor did (exits, restarts). */
  stream: 'stderr' | 'runtime';
  text: string;
}

export interface InstanceLogEvent extends LogLine {
  type: 'log';
}

export type RuntimeEvent = InstanceStatusEvent | InstanceLogEvent;

export interface StartOptions {
  /** Defaults to a new UUID. */
  instanceId?: string;
}

export interface FollowLogsOptions {
  /** Ends the iteration. It also ends when the instance stops or crash-loops. */
  signal?: AbortSignal;
  /** Yield the lines already buffered before the live ones. */
  backlog?: boolean;
}

/**
 * Runs MCP server instances and hands out connected SDK clients. Every runtime (local sandboxed processes,
 * Kubernetes pods, remote URLs) implements this, so the orchestrator's call path does not know which one it uses.
 */
export interface McpRuntime<Definition = ServerDefinitionInput> {
  readonly kind: RuntimeKind;
  /**
   * Starts an instance and resolves once its MCP session is initialised. Rejects when the definition is invalid,
   * when the runtime is at its instance cap, or when the instance crash-loops before it ever runs.
   */
  start(definition: Definition, options?: StartOptions): Promise<InstanceStatus>;
  /**
   * The instance's connected client. A stdio server has exactly one session, so the runtime owns it and replaces it
   * after a restart; waits while the instance is (re)starting, rejects once it is stopped or crash-looping.
   */
  client(instanceId: string): Promise<Client>;
  /** Stops the instance and everything it spawned; resolves when they are gone. Idempotent. */
  stop(instanceId: string, reason?: string): Promise<void>;
  status(instanceId: string): InstanceStatus | undefined;
  list(): InstanceStatus[];
  /** The lines buffered for the instance (bounded; the oldest go first). */
  logs(instanceId: string): LogLine[];
  followLogs(instanceId: string, options?: FollowLogsOptions): AsyncIterable<LogLine>;
  /** Every status change and log line of every instance; returns the unsubscribe function. */
  subscribe(listener: (event: RuntimeEvent) => void): () => void;
  /** Stops every instance; the runtime refuses new starts afterwards. */
  shutdown(): Promise<void>;
}
