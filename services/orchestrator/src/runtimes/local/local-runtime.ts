import { randomUUID } from 'node:crypto';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
  InstanceExistsError,
  InstanceNotFoundError,
  InvalidDefinitionError,
  RuntimeCapacityError,
  RuntimeShutDownError,
} from '../runtime.errors';
import type {
  FollowLogsOptions,
  InstanceStatus,
  LogLine,
  McpRuntime,
  RuntimeEvent,
  StartOptions,
} from '../runtime.types';
import { type ServerDefinition, type ServerDefinitionInput, serverDefinitionSchema } from '../server-definition.schema';
import { traversalProblem } from './host-paths';
import { LocalInstance } from './local-instance';
import {
  type LocalRuntimeConfig,
  type LocalRuntimeConfigInput,
  localRuntimeConfigSchema,
} from './local-runtime.config';
import { prepareSandbox, type SandboxEnvironment } from './sandbox-environment';

export interface LocalRuntimeOptions extends LocalRuntimeConfigInput {
  /**
   * Builds the client for every (re)connection, e.g. to declare sampling or elicitation and handle them.
   * Default: a client without capabilities.
   */
  createClient?: (definition: ServerDefinition, instanceId: string) => Client;
}

/** What the host lets the runtime enforce, for the start-up log and the readiness report. */
export interface SandboxReport {
  bubblewrap: string;
  limits: string;
  user: string;
}

/** Instance ids name directories and cgroups. */
const INSTANCE_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

function defaultClient(): Client {
  return new Client({ name: 'portcullis-orchestrator', version: '0.1.0' }, { capabilities: {} });
}

/**
 * Runs MCP servers on this machine, each as a child process speaking stdio inside bubblewrap:
 * - filesystem: its own bind-mounted working directory at /workspace (read-write), /usr, /lib*, a few /etc entries
 *   and the definition's readOnlyPaths (read-only), private tmpfs /tmp and home; nothing else of the host;
 * - namespaces: user, pid, ipc, uts, cgroup and network all unshared; with `network: [hosts…]` the network namespace
 *   is shared with the host instead. bubblewrap cannot filter by host, so a list of hosts means the whole host
 *   network, loopback services included — the local runtime's known gap; use the Kubernetes runtime
 *   (NetworkPolicy) where egress must be restricted per host;
 * - identity: as root, every instance runs as its own unprivileged uid with no capabilities (setpriv), otherwise as
 *   the orchestrator's user; new user namespaces are forbidden inside (bubblewrap ≥ 0.8);
 * - limits: cgroups (v1, or v2 when delegated) for memory and tasks when this process can create them, rlimits
 *   otherwise (see RlimitLimiter for what that loses); never core dumps;
 * - lifetime: the sandbox dies with the orchestrator (--die-with-parent), everything the server spawns dies with the
 *   sandbox (pid namespace), and stop() kills the process group and empties the cgroup.
 * Usable without Nest; see local-runtime.providers.ts for the Nest binding.
 */
export class LocalRuntime implements McpRuntime {
  readonly kind = 'local' as const;
  private readonly config: LocalRuntimeConfig;
  private readonly createClient: (definition: ServerDefinition, instanceId: string) => Client;
  /** Insertion order is recency, which is what pruning of ended instances goes by. */
  private readonly instances = new Map<string, LocalInstance>();
  /** The cap, and the source of per-instance uids: slot N ↦ uid sandboxUidBase + N. */
  private readonly slots: (LocalInstance | undefined)[];
  private readonly listeners = new Set<(event: RuntimeEvent) => void>();
  private environment?: Promise<SandboxEnvironment>;
  private closed = false;

  constructor(options: LocalRuntimeOptions) {
    const { createClient, ...config } = options;
    this.config = localRuntimeConfigSchema.parse(config);
    this.createClient = createClient ?? defaultClient;
    this.slots = Array.from({ length: this.config.maxInstances }, () => undefined);
  }

  /** Checks the host once and says what it enforces. start() does this too; call it at boot to fail fast. */
  async prepare(): Promise<SandboxReport> {
    const environment = await this.sandbox();
    return {
      bubblewrap: environment.tools.bwrap,
      limits: environment.limiter.description,
      user: environment.uidSwitch
        ? `one uid per instance from ${this.config.sandboxUidBase}`
        : `the orchestrator's own uid (${process.getuid?.()})`,
    };
  }

  async start(input: ServerDefinitionInput, options: StartOptions = {}): Promise<InstanceStatus> {
    if (this.closed) throw new RuntimeShutDownError();
    const parsed = serverDefinitionSchema.safeParse(input);
    if (!parsed.success) {
      throw new InvalidDefinitionError(
        parsed.error.issues.map((issue) => `${issue.path.join('.') || 'definition'}: ${issue.message}`),
      );
    }
    const definition = parsed.data;
    const instanceId = options.instanceId ?? randomUUID();
    if (!INSTANCE_ID.test(instanceId)) throw new InvalidDefinitionError([`instanceId: must match ${INSTANCE_ID}`]);
    const environment = await this.sandbox();
    await this.checkPaths(definition, environment.uidSwitch);

    // From here to the slot reservation nothing awaits, so concurrent starts cannot overshoot the cap.
    if (this.closed) throw new RuntimeShutDownError();
    if (this.instances.get(instanceId)?.terminal === false) throw new InstanceExistsError(instanceId);
    const slot = this.slots.indexOf(undefined);
    if (slot === -1) throw new RuntimeCapacityError(this.config.maxInstances);
    const uid = this.config.sandboxUidBase + slot;
    const instance = new LocalInstance({
      definition,
      instanceId,
      config: this.config,
      environment,
      identity: environment.uidSwitch ? { uid, gid: uid } : undefined,
      createClient: () => this.createClient(definition, instanceId),
      emit: (event) => this.publish(event),
      onTerminal: (ended) => this.onTerminal(ended),
    });
    this.slots[slot] = instance;
    this.instances.delete(instanceId);
    this.instances.set(instanceId, instance);
    await instance.begin();
    await instance.whenRunning();
    return instance.status();
  }

  async client(instanceId: string): Promise<Client> {
    return await this.instance(instanceId).whenRunning();
  }

  async stop(instanceId: string, reason = 'stopped on request'): Promise<void> {
    await this.instance(instanceId).stop(reason);
  }

  status(instanceId: string): InstanceStatus | undefined {
    return this.instances.get(instanceId)?.status();
  }

  list(): InstanceStatus[] {
    return [...this.instances.values()].map((instance) => instance.status());
  }

  logs(instanceId: string): LogLine[] {
    return this.instance(instanceId).logs();
  }

  followLogs(instanceId: string, options?: FollowLogsOptions): AsyncIterable<LogLine> {
    return this.instance(instanceId).followLogs(options);
  }

  subscribe(listener: (event: RuntimeEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async shutdown(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.instances.values()].map((instance) => instance.stop('runtime shut down')));
  }

  private sandbox(): Promise<SandboxEnvironment> {
    // A failed check is not kept: installing bubblewrap or fixing stateDir must not need a restart.
    this.environment ??= prepareSandbox(this.config).catch((error: unknown) => {
      this.environment = undefined;
      throw error;
    });
    return this.environment;
  }

  private async checkPaths(definition: ServerDefinition, uidSwitch: boolean): Promise<void> {
    const paths = [...definition.readOnlyPaths, ...(definition.command.startsWith('/') ? [definition.command] : [])];
    const problems: string[] = [];
    for (const path of paths) {
      const problem = await traversalProblem(path, uidSwitch);
      if (problem) problems.push(problem);
    }
    if (problems.length > 0) throw new InvalidDefinitionError(problems);
  }

  private instance(instanceId: string): LocalInstance {
    const instance = this.instances.get(instanceId);
    if (!instance) throw new InstanceNotFoundError(instanceId);
    return instance;
  }

  private onTerminal(ended: LocalInstance): void {
    const slot = this.slots.indexOf(ended);
    if (slot !== -1) this.slots[slot] = undefined;
    let surplus =
      [...this.instances.values()].filter((instance) => instance.terminal).length - this.config.retainStopped;
    for (const [id, instance] of this.instances) {
      if (surplus <= 0) break;
      if (instance.terminal) {
        this.instances.delete(id);
        surplus -= 1;
      }
    }
  }

  private publish(event: RuntimeEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // A failing subscriber must not break supervision; it is the subscriber's to report.
      }
    }
  }
}
