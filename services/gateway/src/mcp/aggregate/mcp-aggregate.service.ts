import { Inject, Injectable } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  type JsonRpcMessage,
  MCP_SESSION_EVENTS_SUBJECT,
  mcpSessionClose,
  mcpSessionOpen,
  type PortcullisGateway,
} from '@portcullis/contracts';
import { BusClient, BusConnection } from '@portcullis/messaging';
import { mcpTarget } from '@portcullis/observability';
import { LOGGER } from '@portcullis/service-kit';
import type { Logger } from 'pino';
import { mergeServerCapabilities } from '../capabilities/merge-server-capabilities';
import { type AuthenticatedCaller, callerOfRaw } from '../../auth/authenticated-caller';
import { admitGateway } from '../catalog/admit-gateway';
import { McpCatalog, type McpGateway } from '../catalog/mcp-catalog';
import { McpCallRelay } from '../http/mcp-call-relay';
import { sessionNotFound, sessionRequired, upstreamUnavailable } from '../http/mcp-errors';
import { idOf, McpHttpService, sendJson, writeJson } from '../http/mcp-http.service';
import { jsonRpcError } from '../jsonrpc/jsonrpc-error-response';
import { JsonRpcErrorCode } from '../jsonrpc/jsonrpc-error-codes';
import { type ParsedJsonRpc, parseJsonRpc } from '../jsonrpc/parse-json-rpc';
import type { AggregateSession } from '../session/session-token';
import { ToolCallGuard } from '../arguments/tool-call-guard';
import { decodeListCursor, encodeListCursor } from '../pagination/list-cursor';
import { type McpRequestTrace, type Outcome } from '../telemetry/mcp-telemetry';
import { allowedTools } from '../catalog/tool-allow-list';
import { AggregateView } from './aggregate-view';
import { AggregateViewCache } from './aggregate-view-cache';
import { listAll, SESSION_GONE } from './upstream-lists';

const SESSION_HEADER = 'mcp-session-id';
const OPEN_TIMEOUT_MS = 30_000;
const LIST_TIMEOUT_MS = 15_000;
const MAX_PAGES_PER_VIEW = 64;

/** Every upstream session of an aggregated session is gone (closed by DELETE, expired, its workers lost). */
class AggregateSessionGone extends Error {}

type Params = Record<string, unknown> & {
  name?: unknown;
  uri?: unknown;
  ref?: { type?: string; name?: string; uri?: string };
};

/**
 * `/v1/mcp/{gateway}`: one client session over all of a gateway's servers. Each server gets its own upstream session
 * (on whatever worker opens it); lists are merged with `server__tool` names from the tool-name map; calls are routed
 * through the map back to the server and its original name. The merged view is cached per session until an upstream
 * signals a change (`AggregateViewCache`).
 */
@Injectable()
export class McpAggregateService {
  private readonly views: AggregateViewCache;
  /** Serialised list pages of a view, by method and cursor; they go when the view does. */
  private readonly pages = new WeakMap<AggregateView, Map<string, Buffer>>();

  constructor(
    private readonly http: McpHttpService,
    private readonly catalog: McpCatalog,
    private readonly bus: BusClient,
    private readonly connection: BusConnection,
    private readonly relay: McpCallRelay,
    private readonly toolCalls: ToolCallGuard,
    @Inject(LOGGER) private readonly log: Logger,
  ) {
    this.views = new AggregateViewCache(connection);
  }

  /** The gateway for this caller, or undefined once a 404 (unknown), 403 (not theirs to use) or 503 is answered. */
  async gatewayOf(
    res: ServerResponse,
    idOrSlug: string,
    caller: AuthenticatedCaller | undefined,
  ): Promise<McpGateway | undefined> {
    return admitGateway(this.catalog, this.log, res, idOrSlug, caller);
  }

  async post(req: IncomingMessage, res: ServerResponse, gateway: PortcullisGateway, body: unknown): Promise<void> {
    const text = typeof body === 'string' ? body : '';
    const parsed = parseJsonRpc(text);
    if (!parsed.ok) return sendJson(res, 400, parsed.error);
    if (parsed.kind === 'batch')
      return sendJson(res, 400, jsonRpcError(null, JsonRpcErrorCode.InvalidRequest, 'batches are not supported'));
    const accept = req.headers.accept ?? '';
    if (!accept.includes('application/json') || !accept.includes('text/event-stream')) {
      return sendJson(
        res,
        406,
        jsonRpcError(null, JsonRpcErrorCode.InvalidRequest, 'Accept must list application/json and text/event-stream'),
      );
    }
    const message = parsed.message as JsonRpcMessage;
    const trace = this.http.telemetry.begin(
      req,
      message,
      { gateway: gateway.id, server: null },
      Buffer.byteLength(text),
    );
    const started = Date.now();
    await trace.run(async () => {
      let outcome: Outcome = { outcome: 'unavailable', bytes: 0, sessionId: null };
      try {
        outcome = await this.dispatch(req, res, gateway, parsed, trace);
      } finally {
        trace.end(outcome);
      }
      const { server, tool } = trace.destination;
      const method = 'method' in parsed.message ? parsed.message.method : 'response';
      this.http.record(
        { gateway: gateway.id, server },
        method,
        message,
        started,
        outcome,
        Buffer.byteLength(text),
        tool,
        callerOfRaw(req),
      );
    });
  }

  private async dispatch(
    req: IncomingMessage,
    res: ServerResponse,
    gateway: PortcullisGateway,
    parsed: ParsedJsonRpc & { ok: true },
    trace: McpRequestTrace,
  ): Promise<Outcome> {
    const message = parsed.message as JsonRpcMessage;
    if (parsed.kind === 'request' && parsed.message.method === 'initialize')
      return this.initialize(res, gateway, message);
    const token = req.headers[SESSION_HEADER];
    if (typeof token !== 'string' || !token) return answered(res, 400, sessionRequired(), 'refused', null);
    const session = this.http.tokens.readAggregate(token);
    if (!session || session.gateway !== gateway.id) return answered(res, 404, sessionNotFound(), 'unavailable', token);
    if (parsed.kind === 'notification') {
      if (await this.broadcast(session, message)) return answered(res, 404, sessionNotFound(), 'unavailable', token);
      res.writeHead(202).end();
      return { outcome: 'ok', bytes: 0, sessionId: token };
    }
    if (parsed.kind === 'response') {
      // Our relayed server-to-client request ids carry the first 8 characters of the upstream session id.
      const upstream = session.servers.find((s) =>
        String(parsed.message.id).startsWith(`pc-${s.sessionId.slice(0, 8)}-`),
      );
      if (upstream) {
        trace.routed(upstream.server);
        await this.relay.send(upstream, message, { timeoutMs: 10_000 }).catch(() => undefined);
      }
      res.writeHead(202).end();
      return { outcome: 'ok', bytes: 0, sessionId: token };
    }
    return this.request(
      res,
      gateway,
      session,
      token,
      message,
      parsed.message.method,
      parsed.message.params ?? {},
      trace,
    ).catch((error: unknown) => {
      // The spec's answer to a terminated session, so the client knows to initialise again.
      if (error instanceof AggregateSessionGone) return answered(res, 404, sessionNotFound(), 'unavailable', token);
      throw error;
    });
  }

  /** Sends a message to every upstream of the session; true when every one of them is gone. */
  private async broadcast(session: AggregateSession, message: JsonRpcMessage): Promise<boolean> {
    const replies = await Promise.all(
      session.servers.map((s) => this.relay.send(s, message, { timeoutMs: 10_000 }).catch(() => undefined)),
    );
    return replies.length > 0 && replies.every((reply) => reply?.sessionGone === true);
  }

  async stream(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const token = req.headers[SESSION_HEADER];
    const session = typeof token === 'string' ? this.http.tokens.readAggregate(token) : undefined;
    const nc = this.connection.connection;
    if (!session)
      return sendJson(
        res,
        typeof token === 'string' ? 404 : 400,
        typeof token === 'string' ? sessionNotFound() : sessionRequired(),
      );
    if (!nc) return sendJson(res, 503, upstreamUnavailable(null, session.gateway, 'message bus unavailable'));
    await this.http.streams.serveGet(req, res, String(token), (send) => {
      const subscriptions = session.servers.map((s) =>
        nc.subscribe(`${this.connection.options.prefix}${MCP_SESSION_EVENTS_SUBJECT}.${s.sessionId}`, {
          callback: (_e, msg) => send(msg.json()),
        }),
      );
      return () => subscriptions.forEach((sub) => sub.unsubscribe());
    });
  }

  async close(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const token = req.headers[SESSION_HEADER];
    const session = typeof token === 'string' ? this.http.tokens.readAggregate(token) : undefined;
    if (!session) return sendJson(res, 404, sessionNotFound());
    await Promise.all(
      session.servers.map((s) =>
        this.bus
          .request(mcpSessionClose, { sessionId: s.sessionId }, { to: s.worker, timeoutMs: 10_000 })
          .catch(() => undefined),
      ),
    );
    this.views.delete(String(token));
    res.writeHead(204).end();
  }

  private async initialize(res: ServerResponse, gateway: PortcullisGateway, message: JsonRpcMessage): Promise<Outcome> {
    const opened = await Promise.all(
      gateway.servers.map((server) =>
        this.bus
          .request(mcpSessionOpen, { gateway: gateway.id, server, initialize: message }, { timeoutMs: OPEN_TIMEOUT_MS })
          .then((o) => ({ server, ...o }))
          .catch((error: unknown) => {
            this.log.warn({ err: error, gateway: gateway.id, server }, 'server left out of the aggregated session');
            return undefined;
          }),
      ),
    );
    const live = opened.filter((o): o is NonNullable<typeof o> => !!o && 'result' in o.response);
    if (live.length === 0)
      return answered(
        res,
        502,
        upstreamUnavailable(idOf(message), gateway.id, 'no server of this gateway could be started'),
        'unavailable',
        null,
      );
    const results = live.map(
      (o) =>
        (
          o.response as unknown as {
            result: { protocolVersion: string; capabilities?: Record<string, unknown>; instructions?: string };
          }
        ).result,
    );
    const instructions = live
      .map((o, i) => (results[i].instructions ? `[${o.server}] ${results[i].instructions}` : ''))
      .filter(Boolean)
      .join('\n\n');
    const token = this.http.tokens.issueAggregate({
      gateway: gateway.id,
      servers: live.map((o) => ({ server: o.server, worker: o.worker, sessionId: o.sessionId })),
    });
    const response = {
      jsonrpc: '2.0',
      id: idOf(message),
      result: {
        protocolVersion: results[0].protocolVersion,
        capabilities: mergeServerCapabilities(results.map((r) => r.capabilities)),
        serverInfo: { name: `portcullis/${gateway.id}`, title: gateway.name, version: '0.1.0' },
        ...(instructions ? { instructions } : {}),
      },
    };
    const bytes = writeJson(res, 200, response, 'application/json', { 'Mcp-Session-Id': token });
    return { outcome: 'ok', bytes, sessionId: token, response };
  }

  private async request(
    res: ServerResponse,
    gateway: PortcullisGateway,
    session: AggregateSession,
    token: string,
    message: JsonRpcMessage,
    method: string,
    params: Params,
    trace: McpRequestTrace,
  ): Promise<Outcome> {
    const id = idOf(message) ?? 0;
    const answer = (result: Record<string, unknown>) => answered(res, 200, { jsonrpc: '2.0', id, result }, 'ok', token);
    const fail = (code: number, text: string) => answered(res, 200, jsonRpcError(id, code, text), 'error', token);
    const route = (server: string | undefined, forwarded: JsonRpcMessage) => {
      const upstream = session.servers.find((s) => s.server === server);
      if (!upstream) return fail(JsonRpcErrorCode.InvalidParams, `nothing on gateway ${gateway.id} answers to that`);
      trace.routed(upstream.server, mcpTarget(forwarded));
      return this.http.relayRequest(res, upstream, forwarded, { gateway: gateway.id, server: upstream.server }, token);
    };
    switch (method) {
      case 'ping':
        // Answered here, once the upstreams have shown they are alive: a terminated session must get 404.
        if (await this.broadcast(session, message)) throw new AggregateSessionGone();
        return answer({});
      case 'tools/list':
      case 'prompts/list':
      case 'resources/list': {
        const view = await this.view(gateway, session, token, 'list');
        const [key, items, serverOf] =
          method === 'tools/list'
            ? (['tools', view.tools, (t: { name: string }) => view.serverOfTool(t.name)] as const)
            : method === 'prompts/list'
              ? (['prompts', view.prompts, (p: { name: string }) => view.serverOfPrompt(p.name)] as const)
              : (['resources', view.resources, (r: { uri: string }) => view.serverOfResource(r.uri) ?? ''] as const);
        // A page is serialised once per view: a thousand tools cost milliseconds to stringify and encode.
        const pages = this.pages.get(view) ?? new Map<string, Buffer>();
        const pageKey = `${method}\n${typeof params.cursor === 'string' ? params.cursor : ''}`;
        let result = pages.get(pageKey);
        if (!result) {
          const page = this.page(
            items as { name: string; uri: string }[],
            serverOf,
            params.cursor,
            `${token}:${method}`,
          );
          if (!page) return fail(JsonRpcErrorCode.InvalidParams, 'invalid or expired cursor');
          result = Buffer.from(
            JSON.stringify({ [key]: page.items, ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) }),
          );
          if (pages.size < MAX_PAGES_PER_VIEW) pages.set(pageKey, result);
          this.pages.set(view, pages);
        }
        return answeredWithResult(res, id, result, token);
      }
      case 'resources/templates/list':
        return answer({ resourceTemplates: (await this.view(gateway, session, token, 'list')).resourceTemplates });
      case 'tools/call':
      case 'prompts/get': {
        const view = await this.view(gateway, session, token, 'lookup');
        const target = (method === 'tools/call' ? view.toolNames : view.promptNames).resolve(String(params.name));
        if (!target)
          return fail(
            JsonRpcErrorCode.InvalidParams,
            (method === 'tools/call' ? view.withheldReason(String(params.name)) : undefined) ??
              `unknown ${method === 'tools/call' ? 'tool' : 'prompt'}: ${String(params.name)}`,
          );
        if (method === 'tools/call') {
          const tool = view.tools.find((t) => t.name === params.name) as { inputSchema?: unknown } | undefined;
          const refusal = this.toolCalls.refusal(id, String(params.name), tool?.inputSchema, params.arguments);
          if (refusal) {
            trace.routed(target.server, target.tool);
            return answered(res, 200, refusal, 'refused', token);
          }
        }
        return route(target.server, { ...message, params: { ...params, name: target.tool } });
      }
      case 'resources/read':
      case 'resources/subscribe':
      case 'resources/unsubscribe': {
        const view = await this.view(gateway, session, token, 'lookup');
        const server = view.serverOfResource(String(params.uri));
        if (!server) return fail(JsonRpcErrorCode.ResourceNotFound, `resource not found: ${String(params.uri)}`);
        return route(server, message);
      }
      case 'completion/complete': {
        const view = await this.view(gateway, session, token, 'lookup');
        const ref = params.ref;
        if (ref?.type === 'ref/prompt') {
          const target = view.promptNames.resolve(String(ref.name));
          if (!target) return fail(JsonRpcErrorCode.InvalidParams, `unknown prompt: ${String(ref.name)}`);
          return route(target.server, {
            ...message,
            params: { ...params, ref: { ...ref, name: target.tool } },
          });
        }
        return route(view.serverOfResource(String(ref?.uri)) ?? session.servers[0]?.server, message);
      }
      case 'logging/setLevel':
        if (await this.broadcast(session, message)) throw new AggregateSessionGone();
        return answer({});
      default:
        return fail(JsonRpcErrorCode.MethodNotFound, `method not found: ${method}`);
    }
  }

  /**
   * One page of a merged list. The cursor names the server of the next item and how far into that server's items
   * it is, signed and bound to this session and list, so it survives the view being rebuilt between pages.
   */
  private page<T>(
    items: T[],
    serverOf: (item: T) => string,
    cursor: unknown,
    context: string,
  ): { items: T[]; nextCursor?: string } | undefined {
    const options = { keys: [this.http.cursorKey], context, maxAgeMs: 3_600_000 };
    const firstOf = (server: string) => items.findIndex((item) => serverOf(item) === server);
    let start = 0;
    if (cursor !== undefined) {
      if (typeof cursor !== 'string') return undefined;
      try {
        const position = decodeListCursor(cursor, options);
        const first = firstOf(position.server);
        if (first === -1) return undefined;
        start = first + position.offset;
      } catch {
        return undefined;
      }
    }
    const end = start + this.http.listPageSize;
    const next = items[end];
    if (next === undefined) return { items: items.slice(start) };
    const server = serverOf(next);
    return {
      items: items.slice(start, end),
      nextCursor: encodeListCursor({ server, offset: end - firstOf(server) }, options),
    };
  }

  /**
   * The merged view: a cached one while no upstream of the session signalled a change (lists), or a recent one
   * (lookups); otherwise fetched from every upstream.
   */
  private async view(
    gateway: PortcullisGateway,
    session: AggregateSession,
    token: string,
    purpose: 'list' | 'lookup',
  ): Promise<AggregateView> {
    const cached = this.views.get(token, gateway, purpose);
    if (cached) return cached;
    const mark = this.views.mark();
    const fetch = <T>(method: string, key: string) =>
      Promise.all(session.servers.map((s) => listAll<T>(this.relay, s, method, key, LIST_TIMEOUT_MS)));
    const [tools, prompts, resources, resourceTemplates] = await Promise.all([
      fetch<{ name: string }>('tools/list', 'tools'),
      fetch<{ name: string }>('prompts/list', 'prompts'),
      fetch<{ uri: string }>('resources/list', 'resources'),
      fetch<unknown>('resources/templates/list', 'resourceTemplates'),
    ]);
    if (tools.length > 0 && tools.every((list) => list.error === SESSION_GONE)) throw new AggregateSessionGone();
    const view = AggregateView.build(gateway.prefixMode, {
      tools: allowedTools(gateway, tools),
      prompts,
      resources,
      resourceTemplates,
    });
    // A list an upstream failed to give is missing from the view: serve it, but fetch again next time.
    const complete = [tools, prompts, resources, resourceTemplates].every((lists) => lists.every((l) => !l.error));
    this.views.set(token, { view, gateway, upstreams: session.servers.map((s) => s.sessionId), complete }, mark);
    return view;
  }
}

/** Writes the answer and says how the request ended. */
function answered(
  res: ServerResponse,
  status: number,
  response: unknown,
  outcome: Outcome['outcome'],
  sessionId: string | null,
): Outcome {
  return { outcome, bytes: writeJson(res, status, response), sessionId, response };
}

/** Answers with a result already serialised: `{"jsonrpc":"2.0","id":…,"result":<result>}`. */
function answeredWithResult(res: ServerResponse, id: string | number, result: Buffer, sessionId: string): Outcome {
  const body = Buffer.concat([Buffer.from(`{"jsonrpc":"2.0","id":${JSON.stringify(id)},"result":`), result, CLOSE]);
  if (!res.headersSent)
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': body.length }).end(body);
  return { outcome: 'ok', bytes: body.length, sessionId, response: { jsonrpc: '2.0', id, result: {} } };
}
const CLOSE = Buffer.from('}');
