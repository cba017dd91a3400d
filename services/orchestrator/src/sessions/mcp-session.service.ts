import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { isAbsolute, resolve } from 'node:path';
import { LATEST_PROTOCOL_VERSION, SUPPORTED_PROTOCOL_VERSIONS } from '@modelcontextprotocol/sdk/types.js';
import { AppConfig } from '@portcullis/config';
import {
  type JsonRpcMessage,
  MCP_SESSION_CHANGED_SUBJECT,
  MCP_SESSION_EVENTS_SUBJECT,
  type McpSessionChange,
  type RequestOf,
  type ResponseOf,
  mcpSessionOpen,
  mcpWorkerMessage,
} from '@portcullis/contracts';
import { BusConnection, BusHandlerError } from '@portcullis/messaging';
import { Metrics } from '@portcullis/observability';
import { LOGGER, SERVICE_INFO, type ServiceInfo } from '@portcullis/service-kit';
import type { Logger } from 'pino';
import type { OrchestratorEnv } from '../env';
import { LocalRuntime } from '../runtimes';
import { RemoteRuntime } from '../runtimes/remote/remote-runtime';
import { ServerCatalog } from '../servers/server-catalog';
import { toRuntimeDefinition } from '../servers/to-runtime-definition';
import { localRelays } from './local-relays';
import { ToolPinning } from './tool-pinning.service';
import { UpstreamSession } from './upstream-session';
import { WorkerMetrics } from './worker-metrics';

const encoder = new TextEncoder();

/**
 * The client sessions this worker owns. A stdio server speaks one session per process, so every client session
 * gets its own sandboxed instance; the runtime's cap and idle reaping bound what that costs.
 */
@Injectable()
export class McpSessionService implements OnApplicationShutdown {
  private readonly sessions = new Map<string, UpstreamSession>();
  private readonly byInstance = new Map<string, UpstreamSession>();
  private readonly runtime: LocalRuntime;
  private readonly remote: RemoteRuntime;
  private readonly metrics: WorkerMetrics;

  constructor(
    config: AppConfig<OrchestratorEnv>,
    private readonly catalog: ServerCatalog,
    private readonly bus: BusConnection,
    private readonly pinning: ToolPinning,
    @Inject(SERVICE_INFO) private readonly info: ServiceInfo,
    @Inject(LOGGER) private readonly log: Logger,
    metrics: Metrics,
  ) {
    const stateDir = config.get('ORCHESTRATOR_STATE_DIR');
    this.runtime = new LocalRuntime({
      stateDir: resolve(isAbsolute(stateDir) ? stateDir : resolve(stateDir), info.instanceId),
      maxInstances: config.get('ORCHESTRATOR_MAX_INSTANCES'),
      createClient: (_definition, instanceId) => {
        const session = this.byInstance.get(instanceId);
        if (!session) throw new Error(`no session for instance ${instanceId}`);
        return session.client;
      },
    });
    this.remote = new RemoteRuntime({
      ssrf: {
        allowedHosts: config.get('ORCHESTRATOR_UPSTREAM_ALLOWED_HOSTS'),
        allowedCidrs: config.get('ORCHESTRATOR_UPSTREAM_ALLOWED_CIDRS'),
      },
      maxInstances: config.get('ORCHESTRATOR_MAX_INSTANCES'),
      createClient: (_definition, instanceId) => {
        const session = this.byInstance.get(instanceId);
        if (!session) throw new Error(`no session for instance ${instanceId}`);
        return session.client;
      },
    });
    // A restarted stdio process (or a remote session its server ended) is a new upstream session: the client's
    // session is over and it must initialise again.
    for (const runtime of [this.runtime, this.remote])
      runtime.subscribe((event) => {
        if (event.type !== 'status') return;
        if (['crashed', 'stopped', 'crash-looping'].includes(event.state))
          this.forget(event.instanceId, `upstream ${event.state}`);
      });
    // What may be served changed (approved, withheld, pinned): the clients of that server's sessions list again.
    this.pinning.onToolsChanged((installationId) => {
      for (const session of this.sessions.values()) {
        const server = session.pinnedServer;
        if (server && this.pinning.installationOf(server) === installationId)
          session.notifyClient({ jsonrpc: '2.0', method: 'notifications/tools/list_changed' });
      }
    });
    this.metrics = new WorkerMetrics(metrics, {
      instances: () => [...this.runtime.list(), ...this.remote.list()],
      sessionServers: () => [...this.sessions.values()].map((s) => s.serverId),
    });
    for (const runtime of [this.runtime, this.remote])
      runtime.subscribe((event) => {
        if (event.type === 'status' && event.state === 'restarting')
          this.metrics.restarts.inc({ server: event.serverId });
      });
  }

  async open(request: RequestOf<typeof mcpSessionOpen>): Promise<ResponseOf<typeof mcpSessionOpen>> {
    let server: Awaited<ReturnType<ServerCatalog['find']>>;
    try {
      server = await this.catalog.find(request.gateway, request.server);
    } catch (error) {
      this.log.warn({ err: error, gateway: request.gateway }, 'servers of the gateway could not be resolved');
      throw new BusHandlerError(`the servers of gateway "${request.gateway}" cannot be resolved right now`);
    }
    if (!server) throw new BusHandlerError(`no server "${request.server}" on gateway "${request.gateway}"`);
    const sessionId = randomUUID();
    const instanceId = `s-${sessionId}`;
    const session = new UpstreamSession(
      sessionId,
      instanceId,
      request.initialize,
      (subject, message) => this.publish(subject, message),
      this.eventsSubject(sessionId),
      server.id,
      this.metrics,
      this.pinning.appliesTo(request.gateway)
        ? { pinning: this.pinning, server: { gatewayId: request.gateway, serverId: server.id } }
        : undefined,
      (id, change) => this.signalChange(id, change),
    );
    this.byInstance.set(instanceId, session);
    try {
      if (server.runtime.type === 'local') await this.runtime.start(toRuntimeDefinition(server), { instanceId });
      else {
        const { url, transport, headers } = server.runtime;
        await this.remote.start({ id: server.id, url, transport, headers }, { instanceId });
      }
    } catch (error) {
      this.byInstance.delete(instanceId);
      this.log.warn({ err: error, server: server.id }, 'MCP server instance did not start');
      throw new BusHandlerError(
        `${server.id} did not start: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    this.sessions.set(sessionId, session);
    return { sessionId, worker: this.info.instanceId, response: this.initializeResponse(request.initialize, session) };
  }

  async message(request: RequestOf<typeof mcpWorkerMessage>): Promise<ResponseOf<typeof mcpWorkerMessage>> {
    const session = this.sessions.get(request.sessionId);
    if (!session) return { response: null, sessionGone: true };
    const message = request.message as JsonRpcMessage & { id?: unknown; method?: unknown };
    if (typeof message.method === 'string' && message.id !== undefined) {
      return { response: await session.request(message, request.relay, request.timeoutMs ?? 60_000) };
    }
    if (typeof message.method === 'string') {
      await session.notify(message);
      return { response: null };
    }
    if (!session.answer(message))
      this.log.warn({ sessionId: session.sessionId }, 'client answered a request nobody waits for');
    return { response: null };
  }

  /** A live session this worker owns (stateless calls run on pooled sessions). */
  session(sessionId: string): UpstreamSession | undefined {
    return this.sessions.get(sessionId);
  }

  async close(sessionId: string): Promise<boolean> {
    const session = this.sessions.get(sessionId);
    if (!session) return false;
    this.forget(session.instanceId, 'closed by the client');
    const runtime = this.remote.status(session.instanceId) ? this.remote : this.runtime;
    await runtime.stop(session.instanceId, 'session closed by the client');
    return true;
  }

  async onApplicationShutdown(): Promise<void> {
    for (const session of this.sessions.values()) session.abandon('the orchestrator is shutting down');
    await Promise.all([this.runtime.shutdown(), this.remote.shutdown()]);
  }

  private initializeResponse(initialize: JsonRpcMessage, session: UpstreamSession): JsonRpcMessage {
    const { id, params } = initialize as unknown as { id: string | number; params?: { protocolVersion?: string } };
    const requested = params?.protocolVersion;
    const protocolVersion =
      requested && SUPPORTED_PROTOCOL_VERSIONS.includes(requested) ? requested : LATEST_PROTOCOL_VERSION;
    const instructions = session.client.getInstructions();
    return {
      jsonrpc: '2.0',
      id,
      result: {
        protocolVersion,
        capabilities: session.client.getServerCapabilities() ?? {},
        serverInfo: session.client.getServerVersion() ?? { name: 'unknown', version: '0' },
        ...(instructions ? { instructions } : {}),
      },
    };
  }

  private forget(instanceId: string, reason: string): void {
    const session = this.byInstance.get(instanceId);
    if (!session) return;
    this.byInstance.delete(instanceId);
    this.sessions.delete(session.sessionId);
    session.abandon(reason);
    this.signalChange(session.sessionId, 'ended');
  }

  private signalChange(sessionId: string, change: McpSessionChange): void {
    this.bus.connection?.publish(
      `${this.bus.options.prefix}${MCP_SESSION_CHANGED_SUBJECT}.${sessionId}`,
      encoder.encode(change),
    );
  }

  private eventsSubject(sessionId: string): string {
    return `${this.bus.options.prefix}${MCP_SESSION_EVENTS_SUBJECT}.${sessionId}`;
  }

  /** `null` is a heartbeat: an empty message the gateway counts but does not forward. */
  private publish(subject: string, message: JsonRpcMessage | null): void {
    if (localRelays.deliver(subject, message)) return; // a stateless call's relay, inside this process
    this.bus.connection?.publish(
      subject,
      message === null ? new Uint8Array(0) : encoder.encode(JSON.stringify(message)),
    );
  }
}
