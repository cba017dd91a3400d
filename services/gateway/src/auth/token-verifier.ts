import { createHash } from 'node:crypto';
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { registryTokensVerify, type ResponseOf } from '@portcullis/contracts';
import { BusClient, BusConnection } from '@portcullis/messaging';
import type { AuthenticatedCaller } from './authenticated-caller';

type Verdict = ResponseOf<typeof registryTokensVerify>;

/** How long an answer of the registry is reused. Revocation events clear it at once; the TTL bounds a missed one. */
export const VERIFIED_TTL_MS = 5_000;
const REFUSED_TTL_MS = 2_000;
const MAX_ENTRIES = 10_000;
const VERIFY_TIMEOUT_MS = 3_000;

/**
 * Registry changes after which a cached answer may be wrong (a revoked token or session, a user disabled or
 * deleted, a role's permissions or assignments changed): each clears the whole cache.
 */
const INVALIDATING = /(^|\.)events\.v1\.registry\.(token|session|user|role|role-assignment|team|organization)\./;

/**
 * Turns API tokens and console sessions into callers by asking the registry (`registry.v1.tokens.verify`), with
 * a short cache keyed by the token's hash (the token itself is not kept). Unreachable registry: the error
 * propagates (the caller answers 503), nothing is cached.
 */
@Injectable()
export class TokenVerifier implements OnModuleInit {
  private readonly cache = new Map<string, { verdict: Verdict; until: number }>();

  constructor(
    private readonly bus: BusClient,
    private readonly connection: BusConnection,
  ) {}

  onModuleInit(): void {
    const subject = `${this.connection.options.prefix}events.v1.registry.>`;
    let subscribed = false;
    this.connection.onConnected((nc) => {
      if (subscribed) return;
      subscribed = true;
      // Every replica hears every event (no queue group): each has its own cache.
      nc.subscribe(subject, { callback: (_error, msg) => this.onEvent(msg.subject) });
    });
  }

  async verify(token: string): Promise<AuthenticatedCaller | null> {
    const key = createHash('sha256').update(token).digest('base64');
    const now = Date.now();
    const hit = this.cache.get(key);
    let verdict: Verdict;
    if (hit && hit.until > now) {
      verdict = hit.verdict;
    } else {
      verdict = await this.bus.request(registryTokensVerify, { token }, { timeoutMs: VERIFY_TIMEOUT_MS });
      if (this.cache.size >= MAX_ENTRIES) this.cache.delete(this.cache.keys().next().value!);
      const until = verdict.valid
        ? Math.min(now + VERIFIED_TTL_MS, verdict.expiresAt ? Date.parse(verdict.expiresAt) : Infinity)
        : now + REFUSED_TTL_MS;
      this.cache.set(key, { verdict, until });
    }
    return verdict.valid ? verdict.caller : null;
  }

  /** Forgets every cached answer (after a registry change that could make one of them wrong). */
  clear(): void {
    this.cache.clear();
  }

  private onEvent(subject: string): void {
    if (INVALIDATING.test(subject)) this.clear();
  }
}
