import { randomUUID } from 'node:crypto';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport, SseError } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { systemHostResolver, type HostResolver } from '../../upstream-security/host-resolver';
import { compileSsrfPolicy, type SsrfPolicyConfig } from '../../upstream-security/ssrf-policy';
import { LogRing } from '../log-ring';
import {
  InstanceExistsError,
  InstanceNotFoundError,
  InstanceNotRunningError,
  InstanceStartError,
  RuntimeCapacityError,
  RuntimeShutDownError,
} from '../runtime.errors';
import type {
  FollowLogsOptions,
  InstanceState,
  InstanceStatus,
  LogLine,
  McpRuntime,
  RuntimeEvent,
  StartOptions,
} from '../runtime.types';
import { createGuardedFetch, type FetchLike } from './guarded-fetch';

/** An MCP server someone else runs, reached over HTTP. */
export interface RemoteServerDefinition {
  id: string;
  url: string;
  transport: 'streamable-http' | 'sse';
  /** Sent with every request (e.g. an API key); never logged. */
  headers: Record<string, string>;
}

export interface RemoteRuntimeOptions {
  /** Internal hosts and ranges remote upstreams may reach; everything internal is refused otherwise. */
  ssrf?: SsrfPolicyConfig;
  resolver?: HostResolver;
  maxInstances?: number;
  /** How long connecting and initialising may take. */
  connectTimeoutMs?: number;
  createClient?: (definition: RemoteServerDefinition, instanceId: string) => Client;
}

interface RemoteInstance {
  definition: RemoteServerDefinition;
  status: InstanceStatus;
  client?: Client;
  logs: LogRing;
}

const LOG_LIMITS = { maxLines: 200, maxLineLength: 2_000 };

/**
 * Connects to remote MCP servers over streamable HTTP or the legacy HTTP+SSE transport. One instance is one upstream
 * MCP session. Every request goes through the SSRF guard (private, loopback, link-local and metadata addresses
 * refused unless allow-listed; DNS answers pinned; no redirects). A session the upstream ends (transport closed) is
 * `stopped`: its clients re-initialise, as they would after a restart of a local server.
 */
export class RemoteRuntime implements McpRuntime<RemoteServerDefinition> {
  readonly kind = 'remote' as const;
  private readonly instances = new Map<string, RemoteInstance>();
  private readonly listeners = new Set<(event: RuntimeEvent) => void>();
  private readonly fetch: FetchLike;
  private readonly maxInstances: number;
  private readonly connectTimeoutMs: number;
  private readonly createClient: (definition: RemoteServerDefinition, instanceId: string) => Client;
  private closed = false;

  constructor(options: RemoteRuntimeOptions = {}) {
    this.fetch = createGuardedFetch(compileSsrfPolicy(options.ssrf ?? {}), options.resolver ?? systemHostResolver);
    this.maxInstances = options.maxInstances ?? 1_000;
    this.connectTimeoutMs = options.connectTimeoutMs ?? 15_000;
    this.createClient =
      options.createClient ??
      (() => new Client({ name: 'portcullis-orchestrator', version: '0.1.0' }, { capabilities: {} }));
  }

  async start(definition: RemoteServerDefinition, options: StartOptions = {}): Promise<InstanceStatus> {
    if (this.closed) throw new RuntimeShutDownError();
    const instanceId = options.instanceId ?? randomUUID();
    const existing = this.instances.get(instanceId);
    if (existing && existing.status.state !== 'stopped') throw new InstanceExistsError(instanceId);
    const live = [...this.instances.values()].filter((i) => i.status.state !== 'stopped').length;
    if (live >= this.maxInstances) throw new RuntimeCapacityError(this.maxInstances);
    const now = new Date().toISOString();
    const instance: RemoteInstance = {
      definition,
      status: {
        instanceId,
        serverId: definition.id,
        runtime: 'remote',
        state: 'starting',
        since: now,
        createdAt: now,
        restarts: 0,
      },
      logs: new LogRing(instanceId, LOG_LIMITS, (line) => this.emit({ type: 'log', ...line })),
    };
    this.instances.delete(instanceId);
    this.instances.set(instanceId, instance);
    this.transition(instance, 'starting');
    instance.logs.push('runtime', `connecting to ${new URL(definition.url).origin} (${definition.transport})`);
    const client = this.createClient(definition, instanceId);
    const transport = this.transportOf(definition);
    try {
      await client.connect(transport, { timeout: this.connectTimeoutMs });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      instance.logs.push('runtime', `connection failed: ${reason}`);
      await client.close().catch(() => undefined);
      this.transition(instance, 'stopped', reason);
      instance.logs.close();
      throw new InstanceStartError(instanceId, reason, []);
    }
    if (this.closed || instance.status.state !== 'starting') {
      await client.close().catch(() => undefined);
      throw new InstanceNotRunningError(instanceId, instance.status.state, instance.status.reason);
    }
    instance.client = client;
    client.onclose = () => {
      if (instance.status.state === 'stopped') return;
      instance.logs.push('runtime', 'the upstream closed the session');
      this.transition(instance, 'stopped', 'the upstream closed the session');
      instance.logs.close();
    };
    // A legacy SSE session lives as long as its GET stream: when the stream breaks, the server has forgotten the
    // session (a reconnect would silently land in a new, uninitialised one), so the session is over.
    if (definition.transport === 'sse')
      client.onerror = (error) => {
        if (!(error instanceof SseError) || instance.status.state !== 'running') return;
        void this.stop(instanceId, `the upstream's SSE stream ended (${error.message})`);
      };
    this.transition(instance, 'running');
    return { ...instance.status };
  }

  client(instanceId: string): Promise<Client> {
    const instance = this.instances.get(instanceId);
    if (!instance) return Promise.reject(new InstanceNotFoundError(instanceId));
    if (instance.status.state !== 'running' || !instance.client)
      return Promise.reject(new InstanceNotRunningError(instanceId, instance.status.state, instance.status.reason));
    return Promise.resolve(instance.client);
  }

  async stop(instanceId: string, reason = 'stopped'): Promise<void> {
    const instance = this.instances.get(instanceId);
    if (!instance || instance.status.state === 'stopped') return;
    this.transition(instance, 'stopped', reason);
    instance.logs.push('runtime', `stopped: ${reason}`);
    instance.logs.close();
    // Ends the upstream session politely (streamable HTTP sends DELETE) and releases its streams.
    const transport = instance.client?.transport;
    if (transport instanceof StreamableHTTPClientTransport) await transport.terminateSession().catch(() => undefined);
    await instance.client?.close().catch(() => undefined);
  }

  status(instanceId: string): InstanceStatus | undefined {
    const instance = this.instances.get(instanceId);
    return instance ? { ...instance.status } : undefined;
  }

  list(): InstanceStatus[] {
    return [...this.instances.values()].map((i) => ({ ...i.status }));
  }

  logs(instanceId: string): LogLine[] {
    return this.instances.get(instanceId)?.logs.snapshot() ?? [];
  }

  followLogs(instanceId: string, options?: FollowLogsOptions): AsyncIterable<LogLine> {
    const instance = this.instances.get(instanceId);
    if (!instance) throw new InstanceNotFoundError(instanceId);
    return instance.logs.follow(options);
  }

  subscribe(listener: (event: RuntimeEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async shutdown(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.instances.keys()].map((id) => this.stop(id, 'the runtime is shutting down')));
    // Stopped instances are kept for their status and logs only while the runtime lives.
    this.instances.clear();
  }

  private transportOf(definition: RemoteServerDefinition): Transport {
    const url = new URL(definition.url);
    const requestInit: RequestInit = { headers: definition.headers, redirect: 'manual' };
    return definition.transport === 'sse'
      ? new SSEClientTransport(url, { fetch: this.fetch, requestInit })
      : new StreamableHTTPClientTransport(url, { fetch: this.fetch, requestInit });
  }

  private transition(instance: RemoteInstance, state: InstanceState, reason?: string): void {
    const previous = instance.status.state === state ? null : instance.status.state;
    const at = new Date().toISOString();
    instance.status = { ...instance.status, state, since: at, ...(reason ? { reason } : {}) };
    this.emit({
      type: 'status',
      instanceId: instance.status.instanceId,
      serverId: instance.status.serverId,
      state,
      previous,
      at,
      restarts: 0,
      ...(reason ? { reason } : {}),
    });
    // Ended instances are kept for their status and logs, but not forever.
    if (state === 'stopped') this.prune();
  }

  private prune(): void {
    const ended = [...this.instances.values()].filter((i) => i.status.state === 'stopped');
    for (const old of ended.slice(0, Math.max(0, ended.length - 100))) this.instances.delete(old.status.instanceId);
  }

  private emit(event: RuntimeEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}
