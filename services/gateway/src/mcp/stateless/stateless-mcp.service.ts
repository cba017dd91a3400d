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
import { paramHeaderMismatch } from './param-headers';
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
    if (request.method === 'tools/call' && typeof clientParams.name === 'string') {
      const schema = await this.toolSchema(route, caller, upstreamName ?? clientParams.name);
      const mismatch = paramHeaderMismatch(schema, clientParams.arguments, request.paramHeaders);
      if (mismatch) {
        reply.finish(jsonRpcError(request.id, JsonRpcErrorCode.HeaderMismatch, `Header mismatch: ${mismatch}`), 400);
        return { outcome: 'refused', bytes: 0, sessionId: null };
      }
    }
    const relayed = (message: JsonRpcMessage) => this.relayToClient(reply, request, message);
    const missing: Json[] = [];
    // Closing the response while a leg runs is the client's cancellation: the upstream request is cancelled.
    const running: { pooled?: PooledSession; upstreamId?: string } = {};
    reply.onClose(() => {
      if (running.pooled && running.upstreamId) this.cancelUpstream(running.pooled, running.upstreamId);
    });
    let pooled: PooledSession;
    let first: LegResult;
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
      for (const key of state.ref.refused ?? []) answers[key] = refusal('a capability this request did not declare');
      if (state.ref.missing) missing.push(state.ref.missing);
      pooled = { ...(await this.pooled(route, caller)), worker: state.ref.worker, sessionId: state.ref.sessionId };
      this.pool.resume(pooled.sessionId);
      Object.assign(running, { pooled, upstreamId: state.ref.upstreamId });
      try {
        first = await this.leg(
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
      } catch (error) {
        this.pool.release(pooled.sessionId);
        throw error;
      }
      if (first.outcome === 'gone') {
        this.pool.release(pooled.sessionId);
        return this.refuse(reply, request, `Invalid requestState: ${first.reason ?? 'expired'}`);
      }
    } else {
      if (request.method === 'tools/call' && typeof clientParams.name === 'string') {
        const refusal = await this.argumentRefusal(route, caller, request.id, clientParams, upstreamName);
        if (refusal) {
          reply.finish(modernResponse(request.id, refusal, this.identity(route, await this.pooled(route, caller))));
          return { outcome: 'refused', bytes: 0, sessionId: null };
        }
      }
      const params = upstreamParams(upstreamName ? { ...clientParams, name: upstreamName } : clientParams);
      pooled = await this.pool.lease(route.gateway, route.server, principal);
      try {
        for (let attempt = 0; ; attempt++) {
          const upstreamId = `pc-sl-${randomUUID()}`;
          const message = { jsonrpc: '2.0', id: upstreamId, method: request.method, params } as JsonRpcMessage;
          Object.assign(running, { pooled, upstreamId });
          first = await this.leg(pooled.worker, { sessionId: pooled.sessionId, message }, relayed).catch(
            (error: unknown) => {
              if (error instanceof BusRequestError && error.code === 'NO_RESPONDERS')
                return { outcome: 'gone' as const, reason: 'worker gone' };
              throw error;
            },
          );
          if (first.outcome !== 'gone' || attempt > 0) break;
          pooled = await this.pool.replaceLeased(route.gateway, route.server, principal, pooled);
        }
      } catch (error) {
        this.pool.release(pooled.sessionId);
        throw error;
      }
      if (first.outcome === 'gone') {
        this.pool.release(pooled.sessionId);
        throw new Error(`no upstream session for ${route.server}: ${first.reason ?? ''}`);
      }
    }
    // The session stays this call's until it completes, or while it waits for the client's input.
    let parked = false;
    try {
      const outcome = await this.continueCall(reply, route, request, pooled, first, missing, {
        principal,
        digest,
        upstreamId: running.upstreamId,
      });
      parked = outcome.parked;
      return outcome.outcome;
    } finally {
      if (parked) this.pool.park(route.gateway, route.server, principal, pooled.sessionId, this.inputTimeoutMs);
      else this.pool.release(pooled.sessionId);
    }
  }

  /** The rest of a call once a leg ran: refuse what the client cannot answer, then answer, or ask the client. */
  private async continueCall(
    reply: ModernReply,
    route: Route,
    request: ModernRequest,
    pooled: PooledSession,
    first: LegResult,
    missing: Json[],
    binding: { principal: string; digest: string; upstreamId?: string },
  ): Promise<{ outcome: Outcome; parked: boolean }> {
    let leg = first;
    const relayed = (message: JsonRpcMessage) => this.relayToClient(reply, request, message);
    const identity = this.identity(route, pooled);
    // What the upstream asks that this request's client did not declare is refused upstream, as a 2025-11-25 client
    // without the capability would refuse it, and the call goes on. Over stdio such a request cannot always be tied
    // to this call (a server may ask on its own, e.g. for roots after start-up); when the call then fails, the
    // client learns which capability would have made it work. When the upstream also asks what the client can
    // answer, the client sees only that, and the refusals go upstream with its answers: it is never asked for what it
    // did not declare, and the upstream is not cut short before it hears the rest.
    let asked: Record<string, { method: string; params?: unknown }> = {};
    let deferred: string[] = [];
    while (leg.outcome === 'input') {
      const refused: Record<string, Json> = {};
      asked = {};
      for (const [key, input] of Object.entries(leg.inputRequests ?? {})) {
        const lacking = missingCapabilities(input, request.clientCapabilities);
        if (!lacking) {
          asked[key] = input;
          continue;
        }
        missing.push(lacking);
        refused[key] = refusal(`the client does not support ${input.method}`);
      }
      if (Object.keys(refused).length === 0) break;
      if (Object.keys(asked).length > 0) {
        deferred = Object.keys(refused);
        break;
      }
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
        return { outcome: { outcome: 'refused', bytes: 0, sessionId: null }, parked: false };
      }
      // A resource read is cacheable like a list; calls and prompts are not.
      const cache = request.method === 'resources/read' ? LIST_CACHE_TTL_MS : undefined;
      const response = modernResponse(request.id, leg.response, identity, cache);
      reply.finish(response);
      return { outcome: { outcome: 'error' in response ? 'error' : 'ok', bytes: 0, sessionId: null }, parked: false };
    }
    const requestState = this.states.issue(
      {
        worker: pooled.worker,
        sessionId: pooled.sessionId,
        callId: leg.callId!,
        round: leg.round!,
        keys: Object.keys(asked),
        ...(route.viaGateway ? { server: route.server } : {}),
        ...(binding.upstreamId ? { upstreamId: binding.upstreamId } : {}),
        ...(deferred.length > 0 ? { refused: deferred, missing: Object.assign({}, ...missing) as Json } : {}),
      },
      binding.principal,
      binding.digest,
      this.inputTimeoutMs,
    );
    reply.finish({ jsonrpc: '2.0', id: request.id, result: inputRequiredResult(asked, requestState, identity) });
    return { outcome: { outcome: 'ok', bytes: 0, sessionId: null }, parked: true };
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

  /** Cancels an upstream request the way a 2025-11-25 client would; the worker aborts it and tells the upstream. */
  private cancelUpstream(pooled: PooledSession, upstreamId: string): void {
    const cancel = {
      jsonrpc: '2.0',
      method: 'notifications/cancelled',
      params: { requestId: upstreamId, reason: 'the client closed its response stream' },
    } as JsonRpcMessage;
    this.relay
      .send(pooled, cancel, { timeoutMs: 10_000 })
      .catch((error: unknown) => this.log.debug({ err: error, server: pooled.server }, 'cancellation not delivered'));
  }

  /** Progress the client asked for, and log messages at or above the level it set for this request. */
  private relayToClient(reply: ModernReply, request: ModernRequest, message: JsonRpcMessage): void {
    const { method, params } = message as { method?: string; params?: { level?: string } };
    if (method === 'notifications/message') {
      const wanted = request.logLevel ? LOG_LEVELS.indexOf(request.logLevel) : -1;
      const level = LOG_LEVELS.indexOf((params?.level ?? 'debug') as (typeof LOG_LEVELS)[number]);
      if (wanted === -1 || level < wanted) return;
      reply.notify(message);
    }
    // The upstream reports under the token of the request that started the call; a retry is a request of its own,
    // with its own token (or none: then it asked for no progress), including for what arrived while the call waited.
    if (method === 'notifications/progress') {
      const meta = request.params._meta as { progressToken?: unknown } | undefined;
      if (typeof meta?.progressToken !== 'string' && typeof meta?.progressToken !== 'number') return;
      reply.notify({ ...message, params: { ...params, progressToken: meta.progressToken } });
    }
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
    const schema = await this.toolSchema(route, caller, upstreamName ?? String(params.name));
    return this.toolCalls.refusal(id, String(params.name), schema, params.arguments);
  }

  /** A tool's input schema as the upstream lists it (cached per pooled session for a short while). */
  private async toolSchema(route: Route, caller: Caller, upstreamName: string): Promise<unknown> {
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
    return cached.byName.get(upstreamName);
  }
}

/** The answer to an upstream request the client cannot take: what a 2025-11-25 client without it would say. */
const refusal = (message: string): Json => ({ error: { code: JsonRpcErrorCode.MethodNotFound, message } });

export const principalOf = (caller: Caller): string => `${caller.tenant}/${caller.actor}`;

export const gatewayIdentity = (gateway: PortcullisGateway): Implementation => ({
  name: `portcullis/${gateway.id}`,
  title: gateway.name,
  version: '0.1.0',
});

const ok = (): Outcome => ({ outcome: 'ok', bytes: 0, sessionId: null });
