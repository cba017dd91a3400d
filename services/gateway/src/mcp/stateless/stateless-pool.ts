import { Inject, Injectable, Optional } from '@nestjs/common';
import { EventEmitter } from 'node:events';
import { mcpSessionClose, mcpSessionOpen } from '@portcullis/contracts';
import { BusClient } from '@portcullis/messaging';
import { RedisStore } from '@portcullis/persistence';
import { LOGGER } from '@portcullis/service-kit';
import type { Logger } from 'pino';
import { sha256Hex } from '../arguments/canonical-json';
import type { SessionRef } from '../session/session-token';
import { BRIDGE_CLIENT_CAPABILITIES } from './protocol';
import type { Implementation } from './shape-result';

/** An upstream session kept on a worker for the stateless requests of one caller to one server. */
export interface PooledSession extends SessionRef {
  server: string;
  capabilities: Record<string, unknown>;
  serverInfo: Implementation;
  instructions?: string;
}

const OPEN_TIMEOUT_MS = 30_000;
/** As long as a worker keeps an idle instance; a reaped session is noticed (404 from the worker) and replaced. */
const POOL_TTL_MS = 15 * 60_000;
/** How long this replica trusts its own copy before looking at the shared one again. */
const LOCAL_TTL_MS = 10_000;
/**
 * Extra sessions per caller and server on this replica, for calls that find the pooled one busy: a worker runs one
 * call per session at a time (a 2025-11-25 upstream's requests to its client can only be told apart that way), and a
 * call waiting for its client's input keeps the session until the client comes back or the input timeout ends it.
 */
const MAX_SPARES = 16;
/** Replace the shared entry only if it still names the session found gone (another replica may have replaced it). */
const REPLACE_IF_SAME = `if redis.call('get', KEYS[1]) == ARGV[1] then redis.call('set', KEYS[1], ARGV[2], 'PX', ARGV[3]) return 1 end return 0`;

/**
 * Pooled upstream sessions for the 2026-07-28 era, one per (gateway, server, tenant, caller). The reference lives
 * in Redis, so every gateway replica sends a caller's requests to the same worker session (and the parked calls
 * and resource subscriptions on it); each replica keeps a short-lived copy. When two replicas open one at the same
 * moment, the first write wins and the loser closes its own. Without Redis the pool is per replica.
 */
@Injectable()
export class StatelessPool {
  private readonly local = new Map<string, { session: PooledSession; at: number }>();
  private readonly opening = new Map<string, Promise<PooledSession>>();
  /** This replica's calls on a session: running (`leases`), or waiting for client input until `parkedUntil`. */
  private readonly use = new Map<string, { leases: number; parkedUntil: number }>();
  private readonly spares = new Map<string, PooledSession[]>();
  /** Spares being opened ahead of need (`park`), which a call waits for rather than opening yet another. */
  private readonly warming = new Map<string, Promise<PooledSession>>();
  /** Tells listen streams of a spare session they should follow too (its list changes are the caller's). */
  readonly spareOpened = new EventEmitter<{ opened: [key: string, session: PooledSession] }>();

  constructor(
    private readonly bus: BusClient,
    @Inject(LOGGER) private readonly log: Logger,
    @Optional() private readonly redis?: RedisStore,
  ) {
    this.spareOpened.setMaxListeners(0); // one listener per open listen stream
  }

  async get(gateway: string, server: string, principal: string): Promise<PooledSession> {
    const key = this.key(gateway, server, principal);
    const cached = this.local.get(key);
    if (cached && Date.now() - cached.at < LOCAL_TTL_MS) return cached.session;
    const shared = await this.read(key);
    if (shared) {
      this.remember(key, shared);
      void this.redis?.client.pexpire(key, POOL_TTL_MS).catch(() => undefined);
      return shared;
    }
    return this.open(key, gateway, server, undefined);
  }

  /**
   * A session for one call (`tools/call`, `prompts/get`, `resources/read`): the pooled one when no call of this
   * replica runs or waits on it, else a free or new spare; with every spare busy the call queues on the pooled one.
   * Give it back with `release` or `park`.
   */
  async lease(gateway: string, server: string, principal: string): Promise<PooledSession> {
    const primary = await this.get(gateway, server, principal);
    const key = this.key(gateway, server, principal);
    const spares = this.spares.get(key) ?? [];
    let chosen = [primary, ...spares].find((session) => !this.busy(session.sessionId));
    if (!chosen) {
      const warm = await this.warming.get(key)?.catch(() => undefined);
      if (warm && !this.busy(warm.sessionId)) chosen = warm;
    }
    if (!chosen && spares.length < MAX_SPARES) chosen = await this.openSpare(key, gateway, server);
    chosen ??= primary;
    this.hold(chosen.sessionId);
    return chosen;
  }

  /** A parked call's client came back: the session is in use again until the call is released or parked anew. */
  resume(sessionId: string): void {
    const use = this.use.get(sessionId) ?? { leases: 0, parkedUntil: 0 };
    this.use.set(sessionId, { leases: use.leases + 1, parkedUntil: 0 });
  }

  release(sessionId: string): void {
    const use = this.use.get(sessionId);
    if (!use) return;
    use.leases = Math.max(0, use.leases - 1);
    if (use.leases === 0 && use.parkedUntil <= Date.now()) this.use.delete(sessionId);
  }

  /**
   * The call waits for its client's input, at most `ttlMs` (the worker cancels it then). When that leaves the caller
   * no free session, a spare is opened now, so that the next call does not wait for an upstream to start.
   */
  park(gateway: string, server: string, principal: string, sessionId: string, ttlMs: number): void {
    if (this.use.size > 10_000)
      for (const [id, entry] of this.use)
        if (entry.leases === 0 && entry.parkedUntil <= Date.now()) this.use.delete(id);
    const use = this.use.get(sessionId) ?? { leases: 1, parkedUntil: 0 };
    this.use.set(sessionId, { leases: Math.max(0, use.leases - 1), parkedUntil: Date.now() + ttlMs });
    const key = this.key(gateway, server, principal);
    const primary = this.local.get(key)?.session;
    const spares = this.spares.get(key) ?? [];
    const sessions = primary ? [primary, ...spares] : spares;
    if (this.warming.has(key) || spares.length >= MAX_SPARES) return;
    if (!sessions.every((session) => this.busy(session.sessionId))) return;
    const warming = this.openSpare(key, gateway, server);
    this.warming.set(key, warming);
    warming
      .catch((error: unknown) =>
        this.log.debug({ err: error, server }, 'spare MCP session not opened ahead; the next call opens one'),
      )
      .finally(() => this.warming.delete(key));
  }

  /** The spare sessions this replica opened for a caller and server. */
  sparesOf(gateway: string, server: string, principal: string): { key: string; sessions: PooledSession[] } {
    const key = this.key(gateway, server, principal);
    return { key, sessions: [...(this.spares.get(key) ?? [])] };
  }

  /** A leased session is gone: forget it if it was a spare, and lease another. */
  async replaceLeased(
    gateway: string,
    server: string,
    principal: string,
    stale: PooledSession,
  ): Promise<PooledSession> {
    this.release(stale.sessionId);
    this.use.delete(stale.sessionId);
    const key = this.key(gateway, server, principal);
    const spares = this.spares.get(key) ?? [];
    if (spares.some((s) => s.sessionId === stale.sessionId))
      this.spares.set(
        key,
        spares.filter((s) => s.sessionId !== stale.sessionId),
      );
    else await this.replace(gateway, server, principal, stale);
    return this.lease(gateway, server, principal);
  }

  private busy(sessionId: string): boolean {
    const use = this.use.get(sessionId);
    if (!use) return false;
    if (use.leases > 0 || use.parkedUntil > Date.now()) return true;
    this.use.delete(sessionId);
    return false;
  }

  private hold(sessionId: string): void {
    const use = this.use.get(sessionId) ?? { leases: 0, parkedUntil: 0 };
    this.use.set(sessionId, { ...use, leases: use.leases + 1 });
  }

  private async openSpare(key: string, gateway: string, server: string): Promise<PooledSession> {
    const session = await this.initialize(gateway, server);
    if (this.spares.size > 10_000) this.spares.clear();
    this.spares.set(key, [...(this.spares.get(key) ?? []), session]);
    this.spareOpened.emit('opened', key, session);
    return session;
  }

  /** The session `stale` named is gone (closed, reaped, worker dead): the one to use instead. */
  async replace(gateway: string, server: string, principal: string, stale: PooledSession): Promise<PooledSession> {
    const key = this.key(gateway, server, principal);
    if (this.local.get(key)?.session.sessionId === stale.sessionId) this.local.delete(key);
    const shared = await this.read(key);
    if (shared && shared.sessionId !== stale.sessionId) {
      this.remember(key, shared);
      return shared;
    }
    return this.open(key, gateway, server, stale);
  }

  private open(key: string, gateway: string, server: string, stale: PooledSession | undefined): Promise<PooledSession> {
    const pending = this.opening.get(key);
    if (pending) return pending;
    const opening = this.openNew(key, gateway, server, stale).finally(() => this.opening.delete(key));
    this.opening.set(key, opening);
    return opening;
  }

  private async openNew(
    key: string,
    gateway: string,
    server: string,
    stale: PooledSession | undefined,
  ): Promise<PooledSession> {
    const session = await this.initialize(gateway, server);
    const winner = await this.publish(key, session, stale);
    if (winner.sessionId !== session.sessionId) await this.close(session);
    this.remember(key, winner);
    return winner;
  }

  /** Opens an upstream session with the 2025-11-25 handshake, declaring what a 2026-07-28 client may declare. */
  private async initialize(gateway: string, server: string): Promise<PooledSession> {
    const initialize = {
      jsonrpc: '2.0' as const,
      id: 'pc-stateless-pool',
      method: 'initialize',
      params: {
        protocolVersion: '2025-11-25',
        capabilities: BRIDGE_CLIENT_CAPABILITIES,
        clientInfo: { name: 'portcullis-gateway', version: '0.1.0' },
      },
    };
    const opened = await this.bus.request(
      mcpSessionOpen,
      { gateway, server, initialize },
      { timeoutMs: OPEN_TIMEOUT_MS },
    );
    const result = (opened.response as { result?: Record<string, unknown>; error?: { message?: string } }).result;
    if (!result) {
      await this.close({ worker: opened.worker, sessionId: opened.sessionId });
      const error = (opened.response as { error?: { message?: string } }).error;
      throw new Error(`${server} refused to initialise: ${error?.message ?? 'no result'}`);
    }
    return {
      server,
      worker: opened.worker,
      sessionId: opened.sessionId,
      capabilities: (result.capabilities as Record<string, unknown> | undefined) ?? {},
      serverInfo: (result.serverInfo as Implementation | undefined) ?? { name: server, version: '0' },
      ...(typeof result.instructions === 'string' ? { instructions: result.instructions } : {}),
    };
  }

  /** Stores ours unless another replica got there first; returns the session everybody should use. */
  private async publish(key: string, session: PooledSession, stale: PooledSession | undefined): Promise<PooledSession> {
    if (!this.redis) return session;
    const value = JSON.stringify(session);
    try {
      if (stale) {
        const replaced = await this.redis.client.eval(
          REPLACE_IF_SAME,
          1,
          key,
          JSON.stringify(stale),
          value,
          String(POOL_TTL_MS),
        );
        if (replaced === 1) return session;
      }
      if ((await this.redis.client.set(key, value, 'PX', POOL_TTL_MS, 'NX')) === 'OK') return session;
      return (await this.read(key)) ?? session;
    } catch (error) {
      this.log.warn({ err: error }, 'pooled MCP session not shared (Redis unavailable); this replica keeps its own');
      return session;
    }
  }

  private async read(key: string): Promise<PooledSession | undefined> {
    if (!this.redis) return undefined;
    try {
      const value = await this.redis.client.get(key);
      return value ? (JSON.parse(value) as PooledSession) : undefined;
    } catch (error) {
      this.log.warn({ err: error }, 'pooled MCP session lookup failed (Redis unavailable)');
      return undefined;
    }
  }

  private async close(ref: SessionRef): Promise<void> {
    await this.bus
      .request(mcpSessionClose, { sessionId: ref.sessionId }, { to: ref.worker, timeoutMs: 10_000 })
      .catch(() => undefined);
  }

  private remember(key: string, session: PooledSession): void {
    if (this.local.size > 10_000) this.local.clear();
    this.local.set(key, { session, at: Date.now() });
  }

  private key(gateway: string, server: string, principal: string): string {
    return `mcp:stateless-pool:v1:${gateway}:${server}:${sha256Hex(principal).slice(0, 32)}`;
  }
}
