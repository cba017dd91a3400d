import { createHmac, timingSafeEqual } from 'node:crypto';
import * as z from 'zod';
import { canonicalJson, sha256Hex } from '../arguments/canonical-json';

/** Where a parked call waits and which round of it a retry may continue. */
export interface ParkedCallRef {
  worker: string;
  sessionId: string;
  callId: string;
  round: number;
  /** The upstream's open requests, the keys of the `inputRequests` the client answers. */
  keys: string[];
  /** Aggregated view: the server the call runs on. */
  server?: string;
  /** The JSON-RPC id of the upstream request, to cancel it when the client gives up during a later round. */
  upstreamId?: string;
  /** Upstream requests the client cannot answer (capabilities it did not declare): refused when it answers the rest. */
  refused?: string[];
  /** The capabilities those would have needed, for the error should the call then fail. */
  missing?: Record<string, unknown>;
}

const payloadSchema = z.object({
  v: z.literal(1),
  w: z.string().min(1),
  s: z.string().min(1),
  c: z.string().min(1),
  r: z.int().nonnegative(),
  k: z.array(z.string()).max(100),
  srv: z.string().optional(),
  u: z.string().max(200).optional(),
  x: z.array(z.string()).max(100).optional(),
  m: z.record(z.string(), z.unknown()).optional(),
  /** Digest of the caller the state was issued to. */
  p: z.string(),
  /** Digest of the request it continues: endpoint, method, name or URI, arguments. */
  t: z.string(),
  e: z.number(),
});

const PREFIX = 'rs1.';
const MAX_LENGTH = 16_384;

/** What a request is, for binding its requestState: the same endpoint, method, target and arguments. */
export function requestDigest(endpoint: string, method: string, params: Record<string, unknown>): string {
  return sha256Hex(
    canonicalJson({ endpoint, method, name: params.name, uri: params.uri, arguments: params.arguments ?? null }),
  );
}

/**
 * The `requestState` of an input-required result: a signed reference to the parked upstream call, bound to the
 * caller, to the request it belongs to and to an expiry, as the revision asks of state that steers server behaviour.
 * Any gateway replica with the same secret can verify it; a changed byte, another caller, another request or a
 * late retry is refused.
 */
export class RequestStateCodec {
  constructor(
    private readonly key: Buffer,
    private readonly now: () => number = Date.now,
  ) {}

  issue(ref: ParkedCallRef, principal: string, digest: string, ttlMs: number): string {
    const payload = {
      v: 1,
      w: ref.worker,
      s: ref.sessionId,
      c: ref.callId,
      r: ref.round,
      k: ref.keys,
      ...(ref.server ? { srv: ref.server } : {}),
      ...(ref.upstreamId ? { u: ref.upstreamId } : {}),
      ...(ref.refused?.length ? { x: ref.refused, m: ref.missing ?? {} } : {}),
      p: sha256Hex(principal),
      t: digest,
      e: this.now() + ttlMs,
    };
    const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
    return `${PREFIX}${body}.${this.mac(body)}`;
  }

  /** The parked call a state names, or why it is refused. */
  read(
    state: unknown,
    principal: string,
    digest: string,
  ): { ok: true; ref: ParkedCallRef } | { ok: false; reason: string } {
    if (typeof state !== 'string' || state.length > MAX_LENGTH || !state.startsWith(PREFIX))
      return { ok: false, reason: 'requestState is not one this gateway issued' };
    const [body, mac, extra] = state.slice(PREFIX.length).split('.');
    if (!body || !mac || extra !== undefined) return { ok: false, reason: 'requestState is malformed' };
    const expected = Buffer.from(this.mac(body));
    const given = Buffer.from(mac);
    if (given.length !== expected.length || !timingSafeEqual(given, expected))
      return { ok: false, reason: 'requestState failed verification' };
    let payload: z.infer<typeof payloadSchema>;
    try {
      payload = payloadSchema.parse(JSON.parse(Buffer.from(body, 'base64url').toString()));
    } catch {
      return { ok: false, reason: 'requestState is malformed' };
    }
    if (payload.e < this.now()) return { ok: false, reason: 'requestState has expired' };
    if (payload.p !== sha256Hex(principal)) return { ok: false, reason: 'requestState was issued to another caller' };
    if (payload.t !== digest) return { ok: false, reason: 'requestState belongs to a different request' };
    return {
      ok: true,
      ref: {
        worker: payload.w,
        sessionId: payload.s,
        callId: payload.c,
        round: payload.r,
        keys: payload.k,
        ...(payload.srv ? { server: payload.srv } : {}),
        ...(payload.u ? { upstreamId: payload.u } : {}),
        ...(payload.x ? { refused: payload.x, missing: payload.m ?? {} } : {}),
      },
    };
  }

  private mac(body: string): string {
    return createHmac('sha256', this.key).update(body).digest('base64url');
  }
}
