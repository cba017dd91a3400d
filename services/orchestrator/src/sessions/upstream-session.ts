import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { McpError, ProgressNotificationSchema, ResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { type JsonRpcMessage, listChangeOf, type McpSessionChange } from '@portcullis/contracts';
import type { PinnedServer, ToolPinning } from './tool-pinning.service';
import { traceUpstreamCall } from './upstream-call-trace';
import type { WorkerMetrics } from './worker-metrics';

type Id = string | number;
type Publish = (subject: string, message: JsonRpcMessage | null) => void;
/** Tells the gateways that what this session lists changed (their merged-list caches depend on it). */
type SignalChange = (sessionId: string, change: McpSessionChange) => void;

/** While a call runs the worker beats on its relay inbox, so the gateway notices a dead worker in seconds. */
export const RELAY_HEARTBEAT_MS = 2_000;

interface Pending {
  resolve(result: Record<string, unknown>): void;
  reject(error: McpError): void;
}

/** Internal error, as JSON-RPC defines it. */
const INTERNAL_ERROR = -32603;

const errorResponse = (id: Id, error: unknown): JsonRpcMessage => {
  if (error instanceof McpError) {
    // The SDK prefixes the upstream's message; the client should see the upstream's own words.
    const message = error.message.replace(/^MCP error -?\d+: /, '');
    return {
      jsonrpc: '2.0',
      id,
      error: error.data === undefined ? { code: error.code, message } : { code: error.code, message, data: error.data },
    };
  }
  return {
    jsonrpc: '2.0',
    id,
    error: { code: INTERNAL_ERROR, message: error instanceof Error ? error.message : String(error) },
  };
};

/**
 * One client session's upstream: an SDK client connected to the server (its own sandboxed process for stdio),
 * relaying raw JSON-RPC both ways. Messages the upstream sends during a call go to that call's relay inbox;
 * server-to-client requests wait for the client's answer, which arrives later as a message of its own.
 */
export class UpstreamSession {
  readonly client: Client;
  private readonly inFlight = new Map<Id, { relay?: string; abort: AbortController }>();
  private readonly awaitingClient = new Map<string, Pending>();
  /** Progress token of an in-flight call → where that call's messages go (`null`: no relay, the session stream). */
  private readonly progressRoutes = new Map<Id, string | null>();
  private nextRelayId = 1;
  lastUsed = Date.now();

  constructor(
    readonly sessionId: string,
    readonly instanceId: string,
    initialize: JsonRpcMessage,
    private readonly publish: Publish,
    private readonly sessionEventsSubject: string,
    readonly serverId: string,
    private readonly metrics: WorkerMetrics,
    /** Tool pinning, for servers of registry gateways. */
    private readonly pins?: { pinning: ToolPinning; server: PinnedServer },
    private readonly signalChange: SignalChange = () => undefined,
  ) {
    const params = (
      initialize as {
        params?: { clientInfo?: { name: string; version: string }; capabilities?: Record<string, unknown> };
      }
    ).params;
    this.client = new Client(params?.clientInfo ?? { name: 'portcullis-client', version: '0' }, {
      capabilities: params?.capabilities ?? {},
    });
    this.client.fallbackNotificationHandler = (notification) => {
      if (notification.method === 'notifications/tools/list_changed') this.pins?.pinning.listChanged(this);
      this.toClient({ jsonrpc: '2.0', ...notification });
      return Promise.resolve();
    };
    this.client.fallbackRequestHandler = (request) => this.askClient(request.method, request.params);
    // Progress keeps the client's own token end to end and is routed here, not through the SDK's `onprogress`: the
    // SDK settles a response at once but runs notification handlers a microtask later, so when the last progress
    // and the response arrive together (one stdio read) it had already forgotten the token and dropped the progress.
    this.client.setNotificationHandler(ProgressNotificationSchema, (notification) => {
      const route = this.progressRoutes.get(notification.params.progressToken);
      const message = { jsonrpc: '2.0' as const, ...notification };
      if (route === undefined) this.toClient(message);
      else this.toClient(message, route ?? this.sessionEventsSubject);
      return Promise.resolve();
    });
  }

  /** A client request: forwarded upstream; the answer keeps the client's id whatever the SDK used upstream. */
  async request(message: JsonRpcMessage, relay: string | undefined, timeoutMs: number): Promise<JsonRpcMessage> {
    const { id, method, params } = message as unknown as { id: Id; method: string; params?: Record<string, unknown> };
    this.lastUsed = Date.now();
    const abort = new AbortController();
    this.inFlight.set(id, { relay, abort });
    const progressToken = (params?._meta as { progressToken?: string | number } | undefined)?.progressToken;
    if (progressToken !== undefined) this.progressRoutes.set(progressToken, relay ?? null);
    const heartbeat = relay ? setInterval(() => this.publish(relay, null), RELAY_HEARTBEAT_MS) : undefined;
    const traced = traceUpstreamCall(
      { serverId: this.serverId, sessionId: this.sessionId, metrics: this.metrics },
      { id, method, params },
    );
    let response: JsonRpcMessage | undefined;
    try {
      if (this.pins && method === 'tools/call') {
        const refusal = await this.pins.pinning.callRefusal(this.pins.server, this, String(params?.name));
        if (refusal) throw refusal;
      }
      let result = await this.client.request({ method, params }, ResultSchema, {
        signal: abort.signal,
        timeout: timeoutMs,
      });
      if (this.pins && method === 'tools/list')
        result = await this.pins.pinning.filterList(this.pins.server, this, result, params?.cursor !== undefined);
      response = { jsonrpc: '2.0', id, result };
    } catch (error) {
      response = errorResponse(id, error);
    } finally {
      traced(response ?? errorResponse(id, new Error('the call did not finish')));
      clearInterval(heartbeat);
      this.inFlight.delete(id);
      if (progressToken !== undefined) this.progressRoutes.delete(progressToken);
      this.lastUsed = Date.now();
    }
    return response;
  }

  /** A client notification; a cancellation aborts the matching in-flight request (the SDK tells the upstream). */
  async notify(message: JsonRpcMessage): Promise<void> {
    const { method, params } = message as unknown as { method: string; params?: Record<string, unknown> };
    this.lastUsed = Date.now();
    if (method === 'notifications/cancelled') {
      const requestId = params?.requestId as Id | undefined;
      if (requestId !== undefined) this.inFlight.get(requestId)?.abort.abort(params?.reason);
      return;
    }
    // The SDK sends `notifications/initialized` itself when it connects; the client's would be a second one.
    if (method === 'notifications/initialized') return;
    await this.client.notification({ method, params });
  }

  /** The client's answer to a server-to-client request; false when nothing waits for it. */
  answer(message: JsonRpcMessage): boolean {
    const { id, result, error } = message as unknown as {
      id: Id;
      result?: Record<string, unknown>;
      error?: { code: number; message: string; data?: unknown };
    };
    const pending = this.awaitingClient.get(String(id));
    if (!pending) return false;
    this.awaitingClient.delete(String(id));
    if (error) pending.reject(new McpError(error.code, error.message, error.data));
    else pending.resolve(result ?? {});
    return true;
  }

  /** The server's pinned identity (registry gateways only), for the worker to find the sessions of an installation. */
  get pinnedServer(): PinnedServer | undefined {
    return this.pins?.server;
  }

  /** A notification of the worker's own (not the upstream's) to the client. */
  notifyClient(message: JsonRpcMessage): void {
    this.toClient(message);
  }

  /** Refuses everything still waiting on the client, e.g. when the session closes. */
  abandon(reason: string): void {
    for (const pending of this.awaitingClient.values()) pending.reject(new McpError(INTERNAL_ERROR, reason));
    this.awaitingClient.clear();
    for (const { abort } of this.inFlight.values()) abort.abort(reason);
  }

  private askClient(method: string, params: unknown): Promise<Record<string, unknown>> {
    const relay = this.currentRelay();
    if (!relay) {
      // Over stdio nothing ties this request to a call; with no call open there is no stream to carry it.
      return Promise.reject(new McpError(INTERNAL_ERROR, `no client stream is open to carry ${method}`));
    }
    const id = `pc-${this.sessionId.slice(0, 8)}-${this.nextRelayId++}`;
    return new Promise((resolve, reject) => {
      this.awaitingClient.set(id, { resolve, reject });
      this.publish(relay, { jsonrpc: '2.0', id, method, ...(params === undefined ? {} : { params }) });
    });
  }

  /** Sends to the open call's relay when exactly one call is open, else to the session's event stream. */
  private toClient(message: JsonRpcMessage, relay = this.currentRelay()): void {
    const change = listChangeOf((message as { method?: unknown }).method);
    if (change) this.signalChange(this.sessionId, change);
    this.publish(relay ?? this.sessionEventsSubject, message);
  }

  private currentRelay(): string | undefined {
    const relays = [...this.inFlight.values()].map((c) => c.relay).filter((r): r is string => !!r);
    return relays.length === 1 ? relays[0] : relays.at(-1);
  }
}
