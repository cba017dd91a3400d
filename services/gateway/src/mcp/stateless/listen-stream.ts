import { Injectable } from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import { MCP_SESSION_EVENTS_SUBJECT } from '@portcullis/contracts';
import { BusConnection, BusRequestError } from '@portcullis/messaging';
import type { Subscription } from 'nats';
import { sendJson } from '../http/mcp-http.service';
import { SseWriter } from '../http/sse-writer';
import { JsonRpcErrorCode } from '../jsonrpc/jsonrpc-error-codes';
import { jsonRpcError } from '../jsonrpc/jsonrpc-error-response';
import type { ModernRequest } from './classify-request';
import { META } from './protocol';
import type { PooledSession } from './stateless-pool';
import { type Caller, principalOf, type Route, StatelessMcpService } from './stateless-mcp.service';

interface Filter {
  toolsListChanged?: boolean;
  promptsListChanged?: boolean;
  resourcesListChanged?: boolean;
  resourceSubscriptions?: string[];
}

/** How often a listen stream checks that its pooled sessions still live (and follows a replacement). */
const CHECK_MS = 30_000;
const MAX_URIS = 1_000;

const WANTED: Record<string, keyof Filter> = {
  'notifications/tools/list_changed': 'toolsListChanged',
  'notifications/prompts/list_changed': 'promptsListChanged',
  'notifications/resources/list_changed': 'resourcesListChanged',
};

/**
 * `subscriptions/listen`: an SSE stream of the change notifications the client opted in to, taken from the
 * session events of the caller's pooled session(s). Resource subscriptions are made upstream with the 2025-11-25
 * `resources/subscribe`; a pooled session that dies is replaced and the stream follows it.
 */
@Injectable()
export class ListenStreams {
  constructor(
    private readonly stateless: StatelessMcpService,
    private readonly connection: BusConnection,
  ) {}

  async listen(res: ServerResponse, routes: Route[], request: ModernRequest, caller: Caller): Promise<void> {
    const filter = readFilter(request.params.notifications);
    if (!filter) {
      sendJson(
        res,
        200,
        jsonRpcError(
          request.id,
          JsonRpcErrorCode.InvalidParams,
          'Invalid params: notifications must be a filter object',
        ),
      );
      return;
    }
    const nc = this.connection.connection;
    if (!nc) {
      sendJson(res, 200, jsonRpcError(request.id, JsonRpcErrorCode.InternalError, 'message bus unavailable'));
      return;
    }
    const sessions = await Promise.all(routes.map((r) => this.stateless.pooled(r, caller).catch(() => undefined)));
    const live = routes.flatMap((route, i) => (sessions[i] ? [{ route, pooled: sessions[i] }] : []));
    if (live.length === 0) {
      sendJson(
        res,
        200,
        jsonRpcError(request.id, JsonRpcErrorCode.InternalError, 'no server of this endpoint is available'),
      );
      return;
    }
    const honored = honoredFilter(
      filter,
      live.map((l) => l.pooled),
    );
    const sse = new SseWriter(res);
    const subscriptionMeta = { [META.subscriptionId]: request.id };
    sse.send({
      jsonrpc: '2.0',
      method: 'notifications/subscriptions/acknowledged',
      params: { notifications: honored, _meta: subscriptionMeta },
    });
    const uris = new Set(honored.resourceSubscriptions ?? []);
    const forward = (message: { method?: string; params?: Record<string, unknown> }) => {
      const method = message.method ?? '';
      const key = WANTED[method];
      const wanted = key
        ? honored[key] === true
        : method === 'notifications/resources/updated' && uris.has(String(message.params?.uri));
      if (!wanted) return;
      const params = message.params ?? {};
      const meta = typeof params._meta === 'object' && params._meta !== null ? params._meta : {};
      sse.send({ jsonrpc: '2.0', method, params: { ...params, _meta: { ...meta, ...subscriptionMeta } } });
    };
    const subscriptions = new Map<string, Subscription>();
    const events = (sessionId: string) =>
      nc.subscribe(`${this.connection.options.prefix}${MCP_SESSION_EVENTS_SUBJECT}.${sessionId}`, {
        callback: (_e, msg) => forward(msg.json()),
      });
    // Calls that find the pooled session busy run on spare sessions; what changes there is the caller's change too.
    const spareKeys = new Set<string>();
    const spares: Subscription[] = [];
    for (const { route } of live) {
      const { key, sessions: opened } = this.stateless.pool.sparesOf(route.gateway, route.server, principalOf(caller));
      spareKeys.add(key);
      for (const spare of opened) spares.push(events(spare.sessionId));
    }
    const onSpare = (key: string, spare: PooledSession) => {
      if (spareKeys.has(key) && !sse.closed) spares.push(events(spare.sessionId));
    };
    this.stateless.pool.spareOpened.on('opened', onSpare);
    const follow = async (route: Route, pooled: PooledSession) => {
      subscriptions.get(route.server)?.unsubscribe();
      subscriptions.set(route.server, events(pooled.sessionId));
      if (uris.size > 0 && (pooled.capabilities.resources as { subscribe?: boolean } | undefined)?.subscribe)
        await Promise.all(
          [...uris].map((uri) =>
            this.stateless.forward(route, caller, 'resources/subscribe', { uri }).catch(() => undefined),
          ),
        );
    };
    const current = new Map(live.map((l) => [l.route.server, l.pooled]));
    await Promise.all(live.map((l) => follow(l.route, l.pooled)));
    const check = setInterval(() => {
      for (const { route } of live)
        void this.checkSession(route, caller, current.get(route.server)!).then((pooled) => {
          if (pooled && pooled.sessionId !== current.get(route.server)?.sessionId && !sse.closed) {
            current.set(route.server, pooled);
            void follow(route, pooled);
          }
        });
    }, CHECK_MS);
    await new Promise<void>((resolve) => res.once('close', () => resolve()));
    clearInterval(check);
    this.stateless.pool.spareOpened.off('opened', onSpare);
    for (const sub of [...subscriptions.values(), ...spares]) sub.unsubscribe();
    sse.end();
  }

  /** The session to listen on now: the same one while it answers, else its replacement. */
  private async checkSession(route: Route, caller: Caller, pooled: PooledSession): Promise<PooledSession | undefined> {
    try {
      const { response } = await this.stateless.forward(route, caller, 'ping', {}, 10_000);
      if (response) return this.stateless.pool.get(route.gateway, route.server, principalOf(caller));
    } catch (error) {
      if (!(error instanceof BusRequestError)) return undefined;
    }
    return this.stateless.pool.replace(route.gateway, route.server, principalOf(caller), pooled).catch(() => undefined);
  }
}

function readFilter(value: unknown): Filter | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const filter = value as Record<string, unknown>;
  for (const key of ['toolsListChanged', 'promptsListChanged', 'resourcesListChanged'])
    if (filter[key] !== undefined && typeof filter[key] !== 'boolean') return undefined;
  const uris = filter.resourceSubscriptions;
  if (
    uris !== undefined &&
    !(Array.isArray(uris) && uris.length <= MAX_URIS && uris.every((u) => typeof u === 'string'))
  )
    return undefined;
  return filter;
}

/** What the servers behind the stream can deliver of what the client asked for. */
function honoredFilter(filter: Filter, sessions: PooledSession[]): Filter {
  const any = (feature: string, flag: string) =>
    sessions.some((s) => (s.capabilities[feature] as Record<string, unknown> | undefined)?.[flag] === true);
  const honored: Filter = {};
  if (filter.toolsListChanged && any('tools', 'listChanged')) honored.toolsListChanged = true;
  if (filter.promptsListChanged && any('prompts', 'listChanged')) honored.promptsListChanged = true;
  if (filter.resourcesListChanged && any('resources', 'listChanged')) honored.resourcesListChanged = true;
  if (filter.resourceSubscriptions?.length && any('resources', 'subscribe'))
    honored.resourceSubscriptions = [...new Set(filter.resourceSubscriptions)];
  return honored;
}
