import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { Readable } from 'node:stream';
import { checkUpstreamUrl } from '../../upstream-security/check-upstream-url';
import type { HostResolver, ResolvedAddress } from '../../upstream-security/host-resolver';
import type { SsrfPolicy } from '../../upstream-security/ssrf-policy';

/** What the MCP SDK's HTTP transports call instead of the global fetch. */
export type FetchLike = (url: string | URL, init?: RequestInit) => Promise<Response>;

/** A remote upstream URL the SSRF policy refuses; the message says which rule and why. */
export class UpstreamRefusedError extends Error {
  constructor(
    message: string,
    readonly reason: string,
  ) {
    super(message);
    this.name = 'UpstreamRefusedError';
  }
}

/** Responses without a body, where `new Response(stream)` would throw. */
const NULL_BODY_STATUS = new Set([101, 204, 205, 304]);

/**
 * A fetch for remote MCP upstreams that checks every request's URL against the SSRF policy and connects to exactly
 * the address it checked (the socket's DNS lookup is pinned), so a name cannot resolve to a public address for the
 * check and to an internal one for the connection. Redirects are not followed: a public server could redirect to an
 * internal one, and MCP endpoints have no reason to redirect. Proxies from the environment are not used.
 */
export function createGuardedFetch(policy: SsrfPolicy, resolver: HostResolver): FetchLike {
  return async (input, init = {}) => {
    const check = await checkUpstreamUrl(String(input), policy, resolver);
    if (!check.ok) throw new UpstreamRefusedError(`Upstream refused: ${check.message}`, check.reason);
    const { url, pinned } = check;
    init.signal?.throwIfAborted();
    const headers = new Headers(init.headers);
    const body = await bodyBytes(init.body);
    if (body && !headers.has('content-length')) headers.set('content-length', String(body.byteLength));
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const response = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = send(url, {
        method: init.method ?? 'GET',
        headers: Object.fromEntries(headers),
        lookup: pinnedLookup(pinned),
        signal: init.signal ?? undefined,
        agent: false,
      });
      req.once('response', resolve);
      req.once('error', reject);
      req.end(body);
    });
    const status = response.statusCode ?? 502;
    const responseHeaders = new Headers();
    for (const [name, value] of Object.entries(response.headers)) {
      if (value === undefined) continue;
      for (const one of Array.isArray(value) ? value : [value]) responseHeaders.append(name, one);
    }
    if (NULL_BODY_STATUS.has(status)) {
      response.resume();
      return new Response(null, { status, headers: responseHeaders });
    }
    const stream = Readable.toWeb(response) as ReadableStream<Uint8Array>;
    return new Response(stream, { status, statusText: response.statusMessage, headers: responseHeaders });
  };
}

/** Whatever the name, the socket goes to the checked address. */
function pinnedLookup(pinned: ResolvedAddress): LookupFunction {
  return (_hostname, options, callback) => {
    if ((options as { all?: boolean }).all)
      (callback as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [
        { address: pinned.address, family: pinned.family },
      ]);
    else callback(null, pinned.address, pinned.family);
  };
}

async function bodyBytes(body: RequestInit['body']): Promise<Uint8Array | undefined> {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return Buffer.from(body);
  if (body instanceof Uint8Array) return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  return new Uint8Array(await new Response(body).arrayBuffer());
}
