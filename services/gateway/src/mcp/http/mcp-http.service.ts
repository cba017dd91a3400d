import { Inject, Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AppConfig } from '@portcullis/config';
import {
  type JsonRpcMessage,
  MCP_SESSION_EVENTS_SUBJECT,
  mcpRequestCompleted,
  mcpSessionClose,
  mcpSessionOpen,
} from '@portcullis/contracts';
import { BusClient, BusConnection, BusRequestError, EventPublisher } from '@portcullis/messaging';
import { mcpResponseError } from '@portcullis/observability';
import { LOGGER } from '@portcullis/service-kit';
import type { Logger } from 'pino';
import type { GatewayEnv } from '../../env';
import { type AuthenticatedCaller, callerOfRaw, eventIdentityOf } from '../../auth/authenticated-caller';
import { admitGateway } from '../catalog/admit-gateway';
import { McpCatalog } from '../catalog/mcp-catalog';
import { parseJsonRpc } from '../jsonrpc/parse-json-rpc';
import { checkRequestOrigin } from '../origin/check-request-origin';
import { compileOriginPolicy, type OriginPolicy } from '../origin/origin-policy';
import { type SessionRef, SessionTokens } from '../session/session-token';
import { ToolCallGuard } from '../arguments/tool-call-guard';
import { listAll } from '../aggregate/upstream-lists';
import { McpTelemetry, type Outcome } from '../telemetry/mcp-telemetry';
import { McpCallRelay, WorkerLostError } from './mcp-call-relay';
import { sessionNotFound, sessionRequired, timedOut, upstreamUnavailable } from './mcp-errors';
import { SseWriter } from './sse-writer';
import { SseStreams } from '../resumability/sse-streams';

const SESSION_HEADER = 'mcp-session-id';
const OPEN_TIMEOUT_MS = 30_000;

export interface Target {
  gateway: string;
  server: string;
}

/**
 * Streamable HTTP (2025-11-25) for one server of a gateway, relayed to the orchestrator worker that owns the session.
 * The gateway holds no session state: the signed session id says which worker to ask.
 */
@Injectable()
export class McpHttpService {
  readonly tokens: SessionTokens;
  private readonly origins: OriginPolicy;
  /** Input schemas of a session's tools, for argument validation; refreshed after a short while. */
  private readonly schemas = new Map<string, { byName: Map<string, unknown>; at: number }>();
  /** Distinct tool listings, by their names and schemas. */
  private readonly sharedSchemas = new Map<string, Map<string, unknown>>();
  readonly timeoutMs: number;
  /** Signs the aggregated lists' cursors; derived from the same secret as session ids, so replicas agree. */
  readonly cursorKey: Buffer;
  readonly listPageSize: number;

  constructor(
    config: AppConfig<GatewayEnv>,
    private readonly catalog: McpCatalog,
    private readonly bus: BusClient,
    private readonly connection: BusConnection,
    private readonly relay: McpCallRelay,
    private readonly events: EventPublisher,
    private readonly toolCalls: ToolCallGuard,
    readonly telemetry: McpTelemetry,
    readonly streams: SseStreams,
    @Inject(LOGGER) private readonly log: Logger,
  ) {
    const secret = config.get('MCP_SESSION_SECRET') ?? `mcp-session:${config.get('ADMIN_TOKEN')}`;
    this.tokens = new SessionTokens(createHash('sha256').update(secret).digest());
    this.cursorKey = createHash('sha256').update(`list-cursor:${secret}`).digest();
    this.listPageSize = config.get('MCP_LIST_PAGE_SIZE');
    const hosts = config.get('MCP_ALLOWED_HOSTS');
    this.origins = compileOriginPolicy({
      allowedOrigins: config.get('MCP_ALLOWED_ORIGINS'),
      allowedHosts: hosts.length > 0 ? hosts : 'any',
      allowLoopback: true,
    });
    this.timeoutMs = config.get('MCP_REQUEST_TIMEOUT_MS');
  }

  /** Answers a bad Origin/Host with 403; true when the request may proceed. */
  originAllowed(req: IncomingMessage, res: ServerResponse): boolean {
    const origin = checkRequestOrigin(req.headers, this.origins);
    if (origin.allowed) return true;
    sendJson(
      res,
      403,
      { type: 'about:blank', title: 'Forbidden', status: 403, detail: origin.reason },
      'application/problem+json',
    );
    return false;
  }

  /** Answers bad origins, unknown targets (404) and refused callers (403); the canonical target when it may proceed. */
  async admit(
    req: IncomingMessage,
    res: ServerResponse,
    gateway: string,
    server: string,
    caller: AuthenticatedCaller | undefined,
  ): Promise<Target | undefined> {
    const origin = checkRequestOrigin(req.headers, this.origins);
    if (!origin.allowed) {
      sendJson(
        res,
        403,
        { type: 'about:blank', title: 'Forbidden', status: 403, detail: origin.reason },
        'application/problem+json',
      );
      return undefined;
    }
    const found = await admitGateway(this.catalog, this.log, res, gateway, caller, server);
    if (!found) return undefined;
    return { gateway: found.id, server };
  }

  async post(req: IncomingMessage, res: ServerResponse, target: Target, body: unknown): Promise<void> {
    const started = Date.now();
    const text = typeof body === 'string' ? body : '';
    const parsed = parseJsonRpc(text);
    if (!parsed.ok) return sendJson(res, 400, parsed.error);
    if (parsed.kind === 'batch')
      return sendJson(res, 400, {
        jsonrpc: '2.0',
        id: null,
        error: { code: -32600, message: 'batches are not supported' },
      });
    const message = parsed.message as JsonRpcMessage;
    const method = 'method' in parsed.message ? parsed.message.method : 'response';
    const accept = req.headers.accept ?? '';
    if (!accept.includes('application/json') || !accept.includes('text/event-stream')) {
      return sendJson(res, 406, {
        jsonrpc: '2.0',
        id: null,
        error: { code: -32600, message: 'Accept must list application/json and text/event-stream' },
      });
    }
    const requestBytes = Buffer.byteLength(text);
    const trace = this.telemetry.begin(req, message, target, requestBytes);
    await trace.run(async () => {
      let outcome: Outcome = { outcome: 'unavailable', bytes: 0, sessionId: null };
      try {
        outcome = await (parsed.kind === 'request' && method === 'initialize'
          ? this.initialize(res, target, message)
          : this.forward(req, res, target, parsed.kind, message));
      } finally {
        trace.end(outcome);
      }
      this.record(target, method, message, started, outcome, requestBytes, undefined, callerOfRaw(req));
    });
  }

  async stream(req: IncomingMessage, res: ServerResponse, target: Target): Promise<void> {
    const ref = this.session(req, res);
    const nc = this.connection.connection;
    if (!ref) return;
    if (!nc) return sendJson(res, 503, upstreamUnavailable(null, target.server, 'message bus unavailable'));
    const subject = `${this.connection.options.prefix}${MCP_SESSION_EVENTS_SUBJECT}.${ref.sessionId}`;
    await this.streams.serveGet(req, res, String(req.headers[SESSION_HEADER]), (send) => {
      const subscription = nc.subscribe(subject, { callback: (_e, msg) => send(msg.json()) });
      return () => subscription.unsubscribe();
    });
  }

  async close(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const ref = this.session(req, res);
    if (!ref) return;
    const { closed } = await this.bus
      .request(mcpSessionClose, { sessionId: ref.sessionId }, { to: ref.worker, timeoutMs: 10_000 })
      .catch(() => ({ closed: false }));
    if (!closed) return sendJson(res, 404, sessionNotFound());
    res.writeHead(204).end();
  }

  private async initialize(res: ServerResponse, target: Target, message: JsonRpcMessage): Promise<Outcome> {
    try {
      const opened = await this.bus.request(
        mcpSessionOpen,
        { ...target, initialize: message },
        { timeoutMs: OPEN_TIMEOUT_MS },
      );
      const token = this.tokens.issue({ worker: opened.worker, sessionId: opened.sessionId });
      const bytes = writeJson(res, 200, opened.response, 'application/json', { 'Mcp-Session-Id': token });
      return {
        outcome: 'error' in opened.response ? 'error' : 'ok',
        bytes,
        sessionId: token,
        response: opened.response,
      };
    } catch (error) {
      const detail = error instanceof BusRequestError ? error.message : 'could not start the server';
      this.log.warn({ err: error, ...target }, 'MCP session could not be opened');
      const response = upstreamUnavailable(idOf(message), target.server, detail);
      return { outcome: 'unavailable', bytes: writeJson(res, 502, response), sessionId: null, response };
    }
  }

  private async forward(
    req: IncomingMessage,
    res: ServerResponse,
    target: Target,
    kind: 'request' | 'notification' | 'response',
    message: JsonRpcMessage,
  ): Promise<Outcome> {
    const ref = this.session(req, res);
    if (!ref) return { outcome: 'refused', bytes: 0, sessionId: null };
    const sessionId = String(req.headers[SESSION_HEADER]);
    if (kind !== 'request') {
      try {
        const { sessionGone } = await this.relay.send(ref, message, { timeoutMs: 10_000 });
        if (sessionGone) {
          sendJson(res, 404, sessionNotFound());
          return { outcome: 'unavailable', bytes: 0, sessionId };
        }
        res.writeHead(202).end();
        return { outcome: 'ok', bytes: 0, sessionId };
      } catch (error) {
        return this.failed(res, undefined, target, null, error, sessionId);
      }
    }
    const call = message as { id?: string | number; method?: string; params?: { name?: unknown; arguments?: unknown } };
    if (call.method === 'tools/call' && typeof call.params?.name === 'string' && call.id !== undefined) {
      const schemas = await this.toolSchemas(ref, sessionId);
      const refusal = this.toolCalls.refusal(
        call.id,
        call.params.name,
        schemas.get(call.params.name),
        call.params.arguments,
      );
      if (refusal) return { outcome: 'refused', bytes: writeJson(res, 200, refusal), sessionId, response: refusal };
    }
    return this.relayRequest(res, ref, message, target, sessionId);
  }

  private async toolSchemas(ref: SessionRef, sessionId: string): Promise<Map<string, unknown>> {
    const cached = this.schemas.get(sessionId);
    if (cached && Date.now() - cached.at < 30_000) return cached.byName;
    const { items } = await listAll<{ name: string; inputSchema?: unknown }>(
      this.relay,
      ref,
      'tools/list',
      'tools',
      15_000,
    );
    // Sessions of one server list the same tools: they share one map rather than holding a copy each.
    const key = JSON.stringify(items.map((t) => [t.name, t.inputSchema]));
    let byName = this.sharedSchemas.get(key);
    if (byName) this.sharedSchemas.delete(key);
    else byName = new Map(items.map((t) => [t.name, t.inputSchema]));
    this.sharedSchemas.set(key, byName); // most recently used last
    if (this.sharedSchemas.size > 1_000) this.sharedSchemas.delete(this.sharedSchemas.keys().next().value!);
    if (this.schemas.size > 10_000) this.schemas.clear();
    this.schemas.set(sessionId, { byName, at: Date.now() });
    return byName;
  }

  /**
   * Sends a client request to the worker owning `ref` and answers it: as JSON, or as an SSE stream once the call
   * relays something (progress, a sampling request…). Shared by the per-server and the aggregated endpoints.
   */
  async relayRequest(
    res: ServerResponse,
    ref: SessionRef,
    message: JsonRpcMessage,
    target: Target,
    sessionId: string,
  ): Promise<Outcome> {
    let sse: SseWriter | undefined;
    const onRelay = (relayed: JsonRpcMessage) => {
      // Resumable from here on (Last-Event-ID, any replica); a call answered as plain JSON never touches Redis.
      sse ??= this.streams.postStream(res, sessionId, idOf(message));
      sse.send(relayed);
    };
    try {
      const { response, sessionGone } = await this.relay.send(ref, message, { timeoutMs: this.timeoutMs, onRelay });
      if (sessionGone && !sse) {
        sendJson(res, 404, sessionNotFound());
        return { outcome: 'unavailable', bytes: 0, sessionId };
      }
      let bytes: number;
      if (sse) {
        bytes = sse.send(response);
        sse.end();
      } else bytes = writeJson(res, 200, response);
      return { outcome: response && 'error' in response ? 'error' : 'ok', bytes, sessionId, response };
    } catch (error) {
      return this.failed(res, sse, target, idOf(message), error, sessionId);
    }
  }

  private failed(
    res: ServerResponse,
    sse: SseWriter | undefined,
    target: Target,
    id: string | number | null,
    error: unknown,
    sessionId: string,
  ): Outcome {
    const code =
      error instanceof BusRequestError
        ? error.code
        : error instanceof WorkerLostError
          ? 'WORKER_LOST'
          : 'HANDLER_FAILED';
    if (code === 'NO_RESPONDERS' && !sse) {
      // The worker that owned the session is gone: the spec's answer is 404, and the client initialises again.
      sendJson(res, 404, sessionNotFound());
      return { outcome: 'unavailable', bytes: 0, sessionId };
    }
    const body =
      code === 'TIMEOUT' && id !== null
        ? timedOut(id, target.server, this.timeoutMs)
        : upstreamUnavailable(id, target.server, error instanceof Error ? error.message : String(error));
    let bytes: number;
    if (sse) {
      bytes = sse.send(body);
      sse.end();
    } else bytes = writeJson(res, 200, body); // a JSON-RPC error for this request; the session itself may still be fine
    return { outcome: code === 'TIMEOUT' ? 'timeout' : 'unavailable', bytes, sessionId, response: body };
  }

  private session(req: IncomingMessage, res: ServerResponse) {
    const header = req.headers[SESSION_HEADER];
    if (typeof header !== 'string' || header.length === 0) {
      sendJson(res, 400, sessionRequired());
      return undefined;
    }
    const ref = this.tokens.read(header);
    if (!ref) sendJson(res, 404, sessionNotFound());
    return ref;
  }

  /**
   * Publishes the request's audit event. `target.server` is null for what the aggregated endpoint answers itself;
   * `toolName` is the server's own name of the tool, where the client used another (the aggregated view's).
   */
  record(
    target: { gateway: string; server: string | null },
    method: string,
    message: JsonRpcMessage,
    started: number,
    result: Outcome,
    requestBytes: number,
    toolName?: string | null,
    caller?: { tenant: string; actor: string },
  ): void {
    const params = (message as { params?: { name?: unknown } }).params;
    const tool = method !== 'tools/call' ? null : (toolName ?? (typeof params?.name === 'string' ? params.name : null));
    void this.events
      .publish(
        mcpRequestCompleted,
        {
          gateway: this.catalog.labelOf(target.gateway),
          server: target.server,
          method,
          tool,
          sessionId: result.sessionId,
          durationMs: Date.now() - started,
          outcome: result.outcome,
          errorCode: mcpResponseError(result.response)?.code ?? null,
          requestBytes,
          responseBytes: result.bytes,
        },
        eventIdentityOf(caller),
      )
      .catch((error: unknown) => this.log.warn({ err: error }, 'mcp request event not published'));
  }
}

export type { Outcome };

export const idOf = (message: JsonRpcMessage): string | number | null => {
  const id = (message as { id?: unknown }).id;
  return typeof id === 'string' || typeof id === 'number' ? id : null;
};

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  type = 'application/json',
  headers: Record<string, string> = {},
): void {
  writeJson(res, status, body, type, headers);
}

/** sendJson that returns the body's size in bytes (0 when an answer was already sent), for the metrics. */
export function writeJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  type = 'application/json',
  headers: Record<string, string> = {},
): number {
  if (res.headersSent) return 0;
  const text = JSON.stringify(body);
  const bytes = Buffer.byteLength(text);
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': bytes, ...headers }).end(text);
  return bytes;
}
