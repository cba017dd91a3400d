import { Injectable } from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import type { PortcullisGateway } from '@portcullis/contracts';
import { allowedTools } from '../catalog/tool-allow-list';
import { AggregateView } from '../aggregate/aggregate-view';
import { listAll } from '../aggregate/upstream-lists';
import { mergeServerCapabilities } from '../capabilities/merge-server-capabilities';
import type { Outcome } from '../http/mcp-http.service';
import { JsonRpcErrorCode } from '../jsonrpc/jsonrpc-error-codes';
import { jsonRpcError } from '../jsonrpc/jsonrpc-error-response';
import { decodeListCursor, encodeListCursor } from '../pagination/list-cursor';
import type { ModernRequest } from './classify-request';
import { ModernReply } from './modern-reply';
import { INPUT_METHODS, LIST_CACHE_TTL_MS } from './protocol';
import { completeResult, discoverResult, modernCapabilities, modernResponse, upstreamParams } from './shape-result';
import type { PooledSession } from './stateless-pool';
import { type Caller, gatewayIdentity, principalOf, type Route, StatelessMcpService } from './stateless-mcp.service';

const LIST_TIMEOUT_MS = 15_000;

type Listed<T> = { server: string; items: T[]; error?: string };
interface ServerLists {
  tools: Listed<{ name: string }>;
  prompts: Listed<{ name: string }>;
  resources: Listed<{ uri: string }>;
  resourceTemplates: Listed<unknown>;
}
const VIEW_TTL_MS = 30_000;
const LISTS: Record<string, 'tools' | 'prompts' | 'resources'> = {
  'tools/list': 'tools',
  'prompts/list': 'prompts',
  'resources/list': 'resources',
};

/**
 * The 2026-07-28 era of `/v1/mcp/{gateway}`: the merged view over the caller's pooled session on every server of
 * the gateway, with the same names, prefix mode and signed cursors as the 2025-11-25 aggregated session.
 */
@Injectable()
export class StatelessAggregateService {
  private readonly views = new Map<string, { view: AggregateView; at: number }>();

  constructor(private readonly stateless: StatelessMcpService) {}

  routes(gateway: PortcullisGateway): Route[] {
    return gateway.servers.map((server) => ({ gateway: gateway.id, server, viaGateway: gateway }));
  }

  async serve(res: ServerResponse, gateway: PortcullisGateway, request: ModernRequest, caller: Caller): Promise<void> {
    await this.stateless.traced(res, { gateway: gateway.id, server: null }, request, async () => {
      const started = Date.now();
      const reply = new ModernReply(res);
      const route: Route = { gateway: gateway.id, server: gateway.id, viaGateway: gateway };
      const outcome = await this.dispatch(reply, gateway, request, caller).catch((error: unknown) =>
        this.stateless.failed(reply, request, gateway.id, error),
      );
      this.stateless.record(route, request, started, outcome, reply.bytes, caller);
      return { ...outcome, bytes: reply.bytes };
    });
  }

  private async dispatch(
    reply: ModernReply,
    gateway: PortcullisGateway,
    request: ModernRequest,
    caller: Caller,
  ): Promise<Outcome> {
    const { id, method, params } = request;
    const identity = gatewayIdentity(gateway);
    const answer = (result: Record<string, unknown>, cache?: number): Outcome => {
      reply.finish({ jsonrpc: '2.0', id, result: completeResult(result, identity, cache) });
      return { outcome: 'ok', bytes: 0, sessionId: null };
    };
    const fail = (code: number, message: string): Outcome => {
      reply.finish(jsonRpcError(id, code, message));
      return { outcome: 'error', bytes: 0, sessionId: null };
    };
    if (method === 'server/discover') {
      const sessions = await Promise.all(
        this.routes(gateway).map((r) => this.stateless.pooled(r, caller).catch(() => undefined)),
      );
      const live = sessions.filter((s) => s !== undefined);
      if (live.length === 0) return fail(JsonRpcErrorCode.InternalError, 'no server of this gateway could be started');
      const instructions = live
        .map((s) => (s.instructions ? `[${s.server}] ${s.instructions}` : ''))
        .filter(Boolean)
        .join('\n\n');
      const capabilities = mergeServerCapabilities(live.map((s) => modernCapabilities(s.capabilities)));
      reply.finish({
        jsonrpc: '2.0',
        id,
        result: discoverResult(capabilities, identity, instructions || undefined, LIST_CACHE_TTL_MS),
      });
      return { outcome: 'ok', bytes: 0, sessionId: null };
    }
    const key = LISTS[method];
    if (key) {
      const view = await this.view(gateway, caller, true);
      const items = view[key] as { name?: string; uri?: string }[];
      const serverOf = (item: { name?: string; uri?: string }) =>
        key === 'tools'
          ? view.serverOfTool(item.name ?? '')
          : key === 'prompts'
            ? view.serverOfPrompt(item.name ?? '')
            : (view.serverOfResource(item.uri ?? '') ?? '');
      const page = this.page(items, serverOf, params.cursor, `${gateway.id}:${principalOf(caller)}:${method}`);
      if (!page) return fail(JsonRpcErrorCode.InvalidParams, 'Invalid params: invalid or expired cursor');
      return answer(
        { [key]: page.items, ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) },
        LIST_CACHE_TTL_MS,
      );
    }
    if (method === 'resources/templates/list')
      return answer(
        { resourceTemplates: (await this.view(gateway, caller, true)).resourceTemplates },
        LIST_CACHE_TTL_MS,
      );
    const view = await this.view(gateway, caller, false);
    const to = (server: string): Route => ({ gateway: gateway.id, server, viaGateway: gateway });
    if (method === 'tools/call' || method === 'prompts/get') {
      const target = (method === 'tools/call' ? view.toolNames : view.promptNames).resolve(String(params.name));
      if (!target)
        return fail(
          JsonRpcErrorCode.InvalidParams,
          (method === 'tools/call' ? view.withheldReason(String(params.name)) : undefined) ??
            `Invalid params: unknown ${method === 'tools/call' ? 'tool' : 'prompt'} ${String(params.name)}`,
        );
      return this.stateless.call(reply, to(target.server), request, caller, params, target.tool);
    }
    if (INPUT_METHODS.has(method)) {
      const server = view.serverOfResource(String(params.uri));
      if (!server)
        return fail(JsonRpcErrorCode.InvalidParams, `Invalid params: resource not found: ${String(params.uri)}`);
      return this.stateless.call(reply, to(server), request, caller, params);
    }
    if (method === 'completion/complete') {
      const ref = (params.ref ?? {}) as { type?: string; name?: string; uri?: string };
      let server = view.serverOfResource(String(ref.uri)) ?? gateway.servers[0];
      let forwarded = upstreamParams(params);
      if (ref.type === 'ref/prompt') {
        const target = view.promptNames.resolve(String(ref.name));
        if (!target) return fail(JsonRpcErrorCode.InvalidParams, `Invalid params: unknown prompt ${String(ref.name)}`);
        server = target.server;
        forwarded = { ...forwarded, ref: { ...ref, name: target.tool } };
      }
      const { response } = await this.stateless.forward(to(server), caller, method, forwarded);
      const shaped = modernResponse(id, response, identity);
      reply.finish(shaped);
      return { outcome: 'error' in shaped ? 'error' : 'ok', bytes: 0, sessionId: null };
    }
    return fail(JsonRpcErrorCode.MethodNotFound, `Method not found: ${method}`);
  }

  /** One page of a merged list; the signed cursor names the server of the next item and the offset into it. */
  private page<T>(
    items: T[],
    serverOf: (item: T) => string,
    cursor: unknown,
    context: string,
  ): { items: T[]; nextCursor?: string } | undefined {
    const options = { keys: [this.stateless.http.cursorKey], context, maxAgeMs: 3_600_000 };
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
    const end = start + this.stateless.http.listPageSize;
    const next = items[end];
    if (next === undefined) return { items: items.slice(start) };
    const server = serverOf(next);
    return {
      items: items.slice(start, end),
      nextCursor: encodeListCursor({ server, offset: end - firstOf(server) }, options),
    };
  }

  /** One server's lists; a pooled session found gone is replaced once and asked again. */
  private async lists(
    gateway: PortcullisGateway,
    caller: Caller,
    pooled: PooledSession,
    retried = false,
  ): Promise<ServerLists> {
    const fetch = <T>(method: string, key: string) =>
      listAll<T>(this.stateless.relay, pooled, method, key, LIST_TIMEOUT_MS);
    const [tools, prompts, resources, resourceTemplates] = await Promise.all([
      fetch<{ name: string }>('tools/list', 'tools'),
      fetch<{ name: string }>('prompts/list', 'prompts'),
      fetch<{ uri: string }>('resources/list', 'resources'),
      fetch<unknown>('resources/templates/list', 'resourceTemplates'),
    ]);
    const gone = [tools, prompts, resources, resourceTemplates].some((l) => l.error === 'session gone');
    if (!gone || retried) return { tools, prompts, resources, resourceTemplates };
    const replaced = await this.stateless.pool.replace(gateway.id, pooled.server, principalOf(caller), pooled);
    return this.lists(gateway, caller, replaced, true);
  }

  /** The caller's merged view; lists are always fetched fresh, lookups reuse a recent one. */
  private async view(gateway: PortcullisGateway, caller: Caller, fresh: boolean): Promise<AggregateView> {
    const cacheKey = `${gateway.id}:${principalOf(caller)}`;
    const cached = this.views.get(cacheKey);
    if (!fresh && cached && Date.now() - cached.at < VIEW_TTL_MS) return cached.view;
    const sessions = await Promise.all(
      this.routes(gateway).map((r) => this.stateless.pooled(r, caller).catch(() => undefined)),
    );
    const lists = await Promise.all(sessions.flatMap((s) => (s ? [this.lists(gateway, caller, s)] : [])));
    const pick = <K extends keyof (typeof lists)[number]>(key: K) => lists.map((l) => l[key]);
    const [tools, prompts, resources, resourceTemplates] = [
      pick('tools'),
      pick('prompts'),
      pick('resources'),
      pick('resourceTemplates'),
    ];
    const view = AggregateView.build(gateway.prefixMode, {
      tools: allowedTools(gateway, tools),
      prompts,
      resources,
      resourceTemplates,
    });
    if (this.views.size > 10_000) this.views.clear();
    this.views.set(cacheKey, { view, at: Date.now() });
    return view;
  }
}
