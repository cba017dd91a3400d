import { createHmac, createSecretKey, type KeyObject, timingSafeEqual } from 'node:crypto';

/** What an `Mcp-Session-Id` names: the orchestrator worker that owns the upstream session, and that session. */
export interface SessionRef {
  worker: string;
  sessionId: string;
}

const VERSION = 'v1';
const AGGREGATE = 'a1';
/** Tokens already verified are remembered up to this many characters (an aggregated one names every server). */
const MAX_VERIFIED_CHARS = 4_000_000;

/** The upstream sessions behind one aggregated client session, in the gateway's server order. */
export interface AggregateSession {
  gateway: string;
  servers: (SessionRef & { server: string })[];
}

/**
 * Session ids are signed, so any gateway replica can route a request to the owning worker without shared state,
 * and a client cannot point its session at another worker or guess someone else's.
 */
export class SessionTokens {
  /** Imported once: an HMAC keyed with raw bytes imports the key on every call. */
  private readonly key: KeyObject;
  /** Every request of a session presents the same token: verified once, most recently used last. */
  private readonly verifiedTokens = new Map<string, SessionRef | AggregateSession>();
  private verifiedChars = 0;

  constructor(key: Buffer) {
    this.key = createSecretKey(key);
  }

  issue(ref: SessionRef): string {
    const payload = Buffer.from(`${VERSION}.${ref.worker}.${ref.sessionId}`).toString('base64url');
    return `${payload}.${this.mac(payload)}`;
  }

  /** The session a token names, or undefined when it is malformed or not ours. */
  read(token: string): SessionRef | undefined {
    const known = this.recall(token);
    if (known) return 'worker' in known ? known : undefined;
    const [version, worker, sessionId] = this.verified(token)?.split('.') ?? [];
    if (version !== VERSION || !worker || !sessionId) return undefined;
    return this.remember(token, { worker, sessionId });
  }

  /** An aggregated session: one upstream session per server of the gateway, all named in one signed token. */
  issueAggregate(session: AggregateSession): string {
    const payload = Buffer.from(`${AGGREGATE}.${JSON.stringify(session)}`).toString('base64url');
    return `${payload}.${this.mac(payload)}`;
  }

  readAggregate(token: string): AggregateSession | undefined {
    const known = this.recall(token);
    if (known) return 'servers' in known ? known : undefined;
    const payload = this.verified(token);
    if (!payload?.startsWith(`${AGGREGATE}.`)) return undefined;
    try {
      const session = JSON.parse(payload.slice(AGGREGATE.length + 1)) as AggregateSession;
      return typeof session.gateway === 'string' && Array.isArray(session.servers)
        ? this.remember(token, session)
        : undefined;
    } catch {
      return undefined;
    }
  }

  private recall(token: string): SessionRef | AggregateSession | undefined {
    const known = this.verifiedTokens.get(token);
    if (known) {
      this.verifiedTokens.delete(token);
      this.verifiedTokens.set(token, known);
    }
    return known;
  }

  private remember<T extends SessionRef | AggregateSession>(token: string, session: T): T {
    this.verifiedTokens.set(token, session);
    this.verifiedChars += token.length;
    for (const oldest of this.verifiedTokens.keys()) {
      if (this.verifiedChars <= MAX_VERIFIED_CHARS) break;
      this.verifiedTokens.delete(oldest);
      this.verifiedChars -= oldest.length;
    }
    return session;
  }

  private verified(token: string): string | undefined {
    const [payload, mac, extra] = token.split('.');
    if (!payload || !mac || extra !== undefined) return undefined;
    const expected = Buffer.from(this.mac(payload));
    const given = Buffer.from(mac);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    return Buffer.from(payload, 'base64url').toString();
  }

  private mac(payload: string): string {
    return createHmac('sha256', this.key).update(payload).digest('base64url');
  }
}
