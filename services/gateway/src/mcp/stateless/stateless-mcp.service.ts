import { Inject, Injectable } from '@nestjs/common';
import { createHash, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AppConfig } from '@portcullis/config';
import type { JsonRpcMessage, PortcullisGateway, ResponseOf, mcpStatelessCall } from '@portcullis/contracts';
import { BusRequestError } from '@portcullis/messaging';
import { LOGGER } from '@portcullis/service-kit';
import type { Logger } from 'pino';
import type { GatewayEnv } from '../../env';
import { ToolCallGuard } from '../arguments/tool-call-guard';
import { listAll } from '../aggregate/upstream-lists';
import { McpCallRelay, WorkerLostError } from '../http/mcp-call-relay';
import { REQUEST_TIMEOUT } from '../http/mcp-errors';
import { McpHttpService, type Outcome, sendJson } from '../http/mcp-http.service';
import { JsonRpcErrorCode } from '../jsonrpc/jsonrpc-error-codes';
import { jsonRpcError } from '../jsonrpc/jsonrpc-error-response';
import { classifyRequest, type ModernRequest } from './classify-request';
import { ModernReply } from './modern-reply';
import { INPUT_METHODS, LIST_CACHE_TTL_MS, LOG_LEVELS, META, isModernVersion } from './protocol';
import { RequestStateCodec, requestDigest } from './request-state';
import {
  discoverResult,
  type Implementation,
  inputRequiredResult,
  modernCapabilities,
  missingCapabilities,
  modernResponse,
  upstreamParams,
} from './shape-result';
import { type PooledSession, StatelessPool } from './stateless-pool';
import { StatelessLegs } from './stateless-legs';

type Json = Record<string, unknown>;
type LegResult = ResponseOf<typeof mcpStatelessCall>;

/** Who is asking, as far as pooling and requestState binding go. */
export interface Caller {
  tenant: string;
  actor: string;
}

/** One server a request goes to: its pooled session, the name the client used and the name upstream knows. */
export interface Route {
  gateway: string;
  server: string;
  /** Set on the aggregated endpoint: answers carry the gateway's identity, not the server's. */
  viaGateway?: PortcullisGateway;
}

const LIST_TIMEOUT_MS = 15_000;
const SCHEMA_TTL_MS = 30_000;
const LIST_METHODS = new Set(['tools/list', 'prompts/list', 'resources/list', 'resources/templates/list']);

/**
 * The 2026-07-28 (stateless) era on both MCP endpoints. Each request stands alone: it is served on a pooled upstream
 * session of its caller (opened with the 2025-11-25 handshake, as today's upstreams speak it), and what the upstream
 * asks the client during a call comes back as an input-required result whose signed requestState lets the retry,
 * on any replica, continue the same upstream call. Requests of the 2025-11-25 era never reach this class.
 */
@Injectable()
export class StatelessMcpService {
  readonly states: RequestStateCodec;
  readonly inputTimeoutMs: number;
  private readonly schemas = new Map<string, { byName: Map<string, unknown>; at: number }>();
  private nextId = 0;

  constructor(
    config: AppConfig<GatewayEnv>,
    readonly http: McpHttpService,
    readonly pool: StatelessPool,
    readonly relay: McpCallRelay,
    private readonly legs: StatelessLegs,
    private readonly toolCalls: ToolCallGuard,
    @Inject(LOGGER) readonly log: Logger,
  ) {
    const secret = config.get('MCP_SESSION_SECRET') ?? `mcp-session:${config.get('ADMIN_TOKEN')}`;
    this.states = new RequestStateCodec(createHash('sha256').update(`request-state:${secret}`).digest());
    this.inputTimeoutMs = config.get('MCP_INPUT_TIMEOUT_MS');
  }

  /**
   * Classifies a POST; answers it when it is a 2026-07-28 request and returns true, else returns false and the
   * caller serves it as 2025-11-25. Cheap for legacy traffic: the body is only parsed again when it could be modern.
   */
  classify(req: IncomingMessage, res: ServerResponse, body: unknown): ModernRequest | 'answered' | undefined {
    const text = typeof body === 'string' ? body : '';
    const header = req.headers['mcp-protocol-version'];
    if (!text.includes(META.protocolVersion) && !isModernVersion(typeof header === 'string' ? header.trim() : header))
      return undefined;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return undefined; // the 2025-11-25 path answers -32700 as it always did
    }
    const classified = classifyRequest(req.headers, parsed);
    if (classified.era === 'legacy') return undefined;
    const accept = req.headers.accept ?? '';
    if (!accept.includes('application/json') || !accept.includes('text/event-stream')) {
      sendJson(
        res,
        406,
        jsonRpcError(null, JsonRpcErrorCode.InvalidRequest, 'Accept must list application/json and text/event-stream'),
      );
      return 'answered';
    }
    if ('notification' in classified) {
      res.writeHead(202).end();
      return 'answered';
    }
    if ('error' in classified) {
      sendJson(res, classified.status, classified.error);
      return 'answered';
    }
    return classified.request;
  }

  /** `/v1/mcp/{gateway}/servers/{server}`: one server, its own names and identity. */
  async serveServer(res: ServerResponse, route: Route, request: ModernRequest, caller: Caller): Promise<void> {
    await this.traced(res, { gateway: route.gateway, server: route.server }, request, async () => {
      const started = Date.now();
      const reply = new ModernReply(res);
      const outcome = await this.dispatchServer(reply, route, request, caller).catch((error: unknown) =>
        this.failed(reply, request, route.server, error),
      );
      this.record(route, request, started, outcome, reply.bytes, caller);
      return { ...outcome, bytes: reply.bytes };
    });
  }

  /** The request's span and metrics, as on the 2025-11-25 path (`server` null: the aggregated view answers). */
  async traced(
    res: ServerResponse,
    where: { gateway: string; server: string | null },
    request: ModernRequest,
    serve: () => Promise<Outcome>,
  ): Promise<void> {
    const message = { jsonrpc: '2.0', id: request.id, method: request.method, params: request.params };
    const trace = this.http.telemetry.begin(
      res.req,
      message as JsonRpcMessage,
      where,
      Buffer.byteLength(JSON.stringify(request.params)),
    );
    await trace.run(async () => {
      let outcome: Outcome = { outcome: 'unavailable', bytes: 0, sessionId: null };
      try {
        outcome = await serve();
      } finally {
        trace.end(outcome);
      }
    });
  }

  private async dispatchServer(
    reply: ModernReply,
    route: Route,
    request: ModernRequest,
    caller: Caller,
  ): Promise<Outcome> {
    const { method, params } = request;
    if (method === 'server/discover') {
      const pooled = await this.pooled(route, caller);
      reply.finish({
        jsonrpc: '2.0',
        id: request.id,
        result: discoverResult(
          modernCapabilities(pooled.capabilities),
          pooled.serverInfo,
          pooled.instructions,
          LIST_CACHE_TTL_MS,
        ),
      });
      return ok();
    }
    if (INPUT_METHODS.has(method)) return this.call(reply, route, request, caller, params);
    const upstream = await this.forward(route, caller, method, upstreamParams(params));
    const response = modernResponse(
      request.id,
      upstream.response,
      upstream.pooled.serverInfo,
      LIST_METHODS.has(method) ? LIST_CACHE_TTL_MS : undefined,
    );
    reply.finish(response);
    return { outcome: 'error' in response ? 'error' : 'ok', bytes: 0, sessionId: null };
  }

  /** The caller's pooled session on one server. */
  pooled(route: Route, caller: Caller): Promise<PooledSession> {
    return this.pool.get(route.gateway, route.server, principalOf(caller));
  }

  /** A request that needs no client input, on the caller's pooled session; a vanished session is replaced once. */
  async forward(
    route: Route,
    caller: Caller,
    method: string,
    params: Json,
    timeoutMs = this.http.timeoutMs,
  ): Promise<{ response: JsonRpcMessage | null; pooled: PooledSession }> {
    let pooled = await this.pooled(route, caller);
    for (let attempt = 0; ; attempt++) {
      const message = { jsonrpc: '2.0', id: `pc-sl-${this.nextId++}`, method, params } as JsonRpcMessage;
      try {
        const { response, sessionGone } = await this.relay.send(pooled, message, { timeoutMs });
        if (!sessionGone) return { response, pooled };
      } catch (error) {
        if (!(error instanceof BusRequestError && error.code === 'NO_RESPONDERS')) throw error;
      }
      if (attempt > 0) throw new BusRequestError('NO_RESPONDERS', 'the pooled session vanished twice', 'mcp.v1.worker');
      pooled = await this.pool.replace(route.gateway, route.server, principalOf(caller), pooled);
    }
  }

  /**
   * `tools/call`, `prompts/get`, `resources/read`: may need the client's input. A first request starts the upstream
   * call; a retry carrying requestState delivers the client's answers to the upstream call waiting on its worker.
   * `params` are the client's; `upstreamName` renames the tool/prompt on the aggregated endpoint.
   */
  async call(
    reply: ModernReply,
    route: Route,
    request: ModernRequest,
    caller: Caller,
    clientParams: Json,
    upstreamName?: string,
  ): Promise<Outcome> {
    const principal = principalOf(caller);
    const digest = requestDigest(
      route.viaGateway ? route.gateway : `${route.gateway}/${route.server}`,
      request.method,
      clientParams,
    );
    const relayed = (message: JsonRpcMessage) => this.relayToClient(reply, request, message);
    let leg: LegResult;
    let pooled: PooledSession;
    if (clientParams.requestState !== undefined) {
      const state = this.states.read(clientParams.requestState, principal, digest);
      if (!state.ok) return this.refuse(reply, request, `Invalid requestState: ${state.reason}`);
      const responses = clientParams.inputResponses ?? {};
      if (typeof responses !== 'object' || responses === null || Array.isArray(responses))
        return this.refuse(reply, request, 'inputResponses must be an object');
      const answers: Record<string, Json> = {};
      for (const key of state.ref.keys) {
        const answer = (responses as Json)[key];
        if (answer === undefined) continue; // asked again below
        if (typeof answer !== 'object' || answer === null || Array.isArray(answer))
          return this.refuse(reply, request, `inputResponses.${key} must be an object`);
        answers[key] = { result: answer };
      }
      pooled = { ...(await this.pooled(route, caller)), worker: state.ref.worker, sessionId: state.ref.sessionId };
      leg = await this.leg(
        pooled.worker,
        {
          sessionId: state.ref.sessionId,
          resume: { callId: state.ref.callId, round: state.ref.round, responses: answers },
        },
        relayed,
      ).catch((error: unknown) => {
        if (error instanceof BusRequestError && error.code === 'NO_RESPONDERS')
          return { outcome: 'gone' as const, reason: 'the worker holding the call is gone' };
        throw error;
      });
      if (leg.outcome === 'gone')
        return this.refuse(reply, request, `Invalid requestState: ${leg.reason ?? 'expired'}`);
    } else {
      if (request.method === 'tools/call' && typeof clientParams.name === 'string') {
        const refusal = await this.argumentRefusal(route, caller, request.id, clientParams, upstreamName);
        if (refusal) {
          reply.finish(modernResponse(request.id, refusal, this.identity(route, await this.pooled(route, caller))));
          return { outcome: 'refused', bytes: 0, sessionId: null };
        }
      }
      const params = upstreamParams(upstreamName ? { ...clientParams, name: upstreamName } : clientParams);
      pooled = await this.pooled(route, caller);
      for (let attempt = 0; ; attempt++) {
        const message = {
          jsonrpc: '2.0',
          id: `pc-sl-${randomUUID()}`,
          method: request.method,
          params,
        } as JsonRpcMessage;
        leg = await this.leg(pooled.worker, { sessionId: pooled.sessionId, message }, relayed).catch(
          (error: unknown) => {
            if (error instanceof BusRequestError && error.code === 'NO_RESPONDERS')
              return { outcome: 'gone' as const, reason: 'worker gone' };
            throw error;
          },
        );
        if (leg.outcome !== 'gone' || attempt > 0) break;
        pooled = await this.pool.replace(route.gateway, route.server, principal, pooled);
      }
      if (leg.outcome === 'gone') throw new Error(`no upstream session for ${route.server}: ${leg.reason ?? ''}`);
    }
    const identity = this.identity(route, pooled);
    // What the upstream asks that this request's client did not declare is refused upstream, as a 2025-11-25 client
    // without the capability would refuse it, and the call goes on. Over stdio such a request cannot always be tied
    // to this call (a server may ask on its own, e.g. for roots after start-up); when the call then fails, the
    // client learns which capability would have made it work.
    const missing: Json[] = [];
    while (leg.outcome === 'input') {
      const refused: Record<string, Json> = {};
      for (const [key, asked] of Object.entries(leg.inputRequests ?? {})) {
        const lacking = missingCapabilities(asked, request.clientCapabilities);
        if (!lacking) continue;
        missing.push(lacking);
        refused[key] = {
          error: { code: JsonRpcErrorCode.MethodNotFound, message: `the client does not support ${asked.method}` },
        };
      }
      if (Object.keys(refused).length === 0) break;
      leg = await this.leg(
        pooled.worker,
        {
          sessionId: pooled.sessionId,
          resume: { callId: leg.callId!, round: leg.round!, responses: refused },
        },
        relayed,
      );
      if (leg.outcome === 'gone')
        throw new Error(`the call on ${route.server} ended unexpectedly: ${leg.reason ?? ''}`);
    }
    if (leg.outcome === 'complete') {
      const failed =
        leg.response && ('error' in leg.response || (leg.response.result as Json | undefined)?.isError === true);
      if (missing.length > 0 && failed) {
        reply.finish(
          jsonRpcError(
            request.id,
            JsonRpcErrorCode.MissingRequiredClientCapability,
            `${route.server} needs a client capability this request did not declare`,
            { requiredCapabilities: Object.assign({}, ...missing) as Json },
          ),
          400,
        );
        return { outcome: 'refused', bytes: 0, sessionId: null };
      }
      // A resource read is cacheable like a list; calls and prompts are not.
      const cache = request.method === 'resources/read' ? LIST_CACHE_TTL_MS : undefined;
      const response = modernResponse(request.id, leg.response, identity, cache);
      reply.finish(response);
      return { outcome: 'error' in response ? 'error' : 'ok', bytes: 0, sessionId: null };
    }
    const asked = leg.inputRequests ?? {};
    const requestState = this.states.issue(
      {
        worker: pooled.worker,
        sessionId: pooled.sessionId,
        callId: leg.callId!,
        round: leg.round!,
        keys: Object.keys(asked),
        ...(route.viaGateway ? { server: route.server } : {}),
      },
      principal,
      digest,
      this.inputTimeoutMs,
    );
    reply.finish({ jsonrpc: '2.0', id: request.id, result: inputRequiredResult(asked, requestState, identity) });
    return { outcome: 'ok', bytes: 0, sessionId: null };
  }

  /** The identity answers carry: the server's on its own endpoint, the gateway's on the aggregated one. */
  identity(route: Route, pooled: PooledSession): Implementation {
    return route.viaGateway ? gatewayIdentity(route.viaGateway) : pooled.serverInfo;
  }

  record(
    route: Route,
    request: ModernRequest,
    started: number,
    outcome: Outcome,
    bytes: number,
    caller: Caller | undefined,
  ): void {
    const message = {
      jsonrpc: '2.0',
      id: request.id,
      method: request.method,
      params: request.params,
    } as JsonRpcMessage;
    this.http.record(
      { gateway: route.gateway, server: route.viaGateway ? null : route.server },
      request.method,
      message,
      started,
      { ...outcome, bytes },
      Buffer.byteLength(JSON.stringify(request.params)),
      undefined,
      caller,
    );
  }

  failed(reply: ModernReply, request: ModernRequest, server: string, error: unknown): Outcome {
    const timeout = error instanceof BusRequestError && error.code === 'TIMEOUT';
    if (!(timeout || error instanceof BusRequestError || error instanceof WorkerLostError))
      this.log.warn({ err: error, server, method: request.method }, 'stateless MCP request failed');
    const detail = error instanceof Error ? error.message : String(error);
    reply.finish(
      timeout
        ? jsonRpcError(request.id, REQUEST_TIMEOUT, `${server} did not answer within ${this.http.timeoutMs} ms`)
        : jsonRpcError(request.id, JsonRpcErrorCode.InternalError, `${server} is unavailable: ${detail}`),
    );
    return { outcome: timeout ? 'timeout' : 'unavailable', bytes: 0, sessionId: null };
  }

  private leg(
    worker: string,
    leg: {
      sessionId: string;
      message?: JsonRpcMessage;
      resume?: { callId: string; round: number; responses: Record<string, Json> };
    },
    onRelay: (message: JsonRpcMessage) => void,
  ): Promise<LegResult> {
    return this.legs.run(
      worker,
      { ...leg, timeoutMs: this.http.timeoutMs, inputTimeoutMs: this.inputTimeoutMs },
      onRelay,
    );
  }

  /** Progress the client asked for, and log messages at or above the level it set for this request. */
  private relayToClient(reply: ModernReply, request: ModernRequest, message: JsonRpcMessage): void {
    const { method, params } = message as { method?: string; params?: { level?: string } };
    if (method === 'notifications/message') {
      const wanted = request.logLevel ? LOG_LEVELS.indexOf(request.logLevel) : -1;
      const level = LOG_LEVELS.indexOf((params?.level ?? 'debug') as (typeof LOG_LEVELS)[number]);
      if (wanted === -1 || level < wanted) return;
    }
    if (method === 'notifications/progress' || method === 'notifications/message') reply.notify(message);
  }

  private refuse(reply: ModernReply, request: ModernRequest, message: string): Outcome {
    reply.finish(jsonRpcError(request.id, JsonRpcErrorCode.InvalidParams, message));
    return { outcome: 'refused', bytes: 0, sessionId: null };
  }

  private async argumentRefusal(
    route: Route,
    caller: Caller,
    id: string | number,
    params: Json,
    upstreamName?: string,
  ): Promise<JsonRpcMessage | undefined> {
    const pooled = await this.pooled(route, caller);
    const key = pooled.sessionId;
    let cached = this.schemas.get(key);
    if (!cached || Date.now() - cached.at > SCHEMA_TTL_MS) {
      const { items } = await listAll<{ name: string; inputSchema?: unknown }>(
        this.relay,
        pooled,
        'tools/list',
        'tools',
        LIST_TIMEOUT_MS,
      );
      cached = { byName: new Map(items.map((t) => [t.name, t.inputSchema])), at: Date.now() };
      if (this.schemas.size > 10_000) this.schemas.clear();
      this.schemas.set(key, cached);
    }
    const name = upstreamName ?? String(params.name);
    return this.toolCalls.refusal(id, String(params.name), cached.byName.get(name), params.arguments);
  }
}

export const principalOf = (caller: Caller): string => `${caller.tenant}/${caller.actor}`;

export const gatewayIdentity = (gateway: PortcullisGateway): Implementation => ({
  name: `portcullis/${gateway.id}`,
  title: gateway.name,
  version: '0.1.0',
});

const ok = (): Outcome => ({ outcome: 'ok', bytes: 0, sessionId: null });
