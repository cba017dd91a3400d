import { createHmac, timingSafeEqual } from 'node:crypto';

/** What the `sessionId` of a legacy HTTP+SSE client names: the gateway replica holding its stream, and the stream. */
export interface LegacyStreamRef {
  /** Bus instance id of the gateway replica that holds the SSE stream. */
  replica: string;
  stream: string;
  gateway: string;
  /** null: the aggregated endpoint. */
  server: string | null;
}

const VERSION = 'ls1';

/**
 * The opaque, signed session id of the deprecated HTTP+SSE transport. Signed so that any replica can tell which
 * replica to hand a POST to, and a client cannot aim its messages at another client's stream or another endpoint.
 */
export class LegacyStreamTokens {
  constructor(private readonly key: Buffer) {}

  issue(ref: LegacyStreamRef): string {
    const payload = Buffer.from(JSON.stringify([VERSION, ref.replica, ref.stream, ref.gateway, ref.server])).toString(
      'base64url',
    );
    return `${payload}.${this.mac(payload)}`;
  }

  /** The stream a token names, or undefined when it is malformed or not signed by us. */
  read(token: string): LegacyStreamRef | undefined {
    const [payload, mac, extra] = token.split('.');
    if (!payload || !mac || extra !== undefined) return undefined;
    const expected = Buffer.from(this.mac(payload));
    const given = Buffer.from(mac);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    try {
      const [version, replica, stream, gateway, server] = JSON.parse(
        Buffer.from(payload, 'base64url').toString(),
      ) as unknown[];
      if (version !== VERSION || typeof replica !== 'string' || typeof stream !== 'string') return undefined;
      if (typeof gateway !== 'string' || (server !== null && typeof server !== 'string')) return undefined;
      return { replica, stream, gateway, server };
    } catch {
      return undefined;
    }
  }

  private mac(payload: string): string {
    return createHmac('sha256', this.key).update(payload).digest('base64url');
  }
}
