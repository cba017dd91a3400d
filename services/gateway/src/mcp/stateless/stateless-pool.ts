import { Inject, Injectable, Optional } from '@nestjs/common';
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

  constructor(
    private readonly bus: BusClient,
    @Inject(LOGGER) private readonly log: Logger,
    @Optional() private readonly redis?: RedisStore,
  ) {}

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
    const session: PooledSession = {
      server,
      worker: opened.worker,
      sessionId: opened.sessionId,
      capabilities: (result.capabilities as Record<string, unknown> | undefined) ?? {},
      serverInfo: (result.serverInfo as Implementation | undefined) ?? { name: server, version: '0' },
      ...(typeof result.instructions === 'string' ? { instructions: result.instructions } : {}),
    };
    const winner = await this.publish(key, session, stale);
    if (winner.sessionId !== session.sessionId) await this.close(session);
    this.remember(key, winner);
    return winner;
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
