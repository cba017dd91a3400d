import { isLoopbackHostname } from './loopback-host';
import { type OriginPolicy, normalizeOrigin, parseHostHeader } from './origin-policy';

/** Node's header shape: a repeated header arrives as an array. */
export interface OriginHeaders {
  readonly origin?: string | readonly string[];
  readonly host?: string | readonly string[];
}

export type OriginCheck =
  { readonly allowed: true } | { readonly allowed: false; readonly status: 403; readonly reason: string };

const ALLOWED: OriginCheck = { allowed: true };

/**
 * DNS-rebinding defence for the Streamable HTTP endpoints. MCP requires servers to validate `Origin` on every
 * connection and answer 403 when it is present and invalid; requests without one come from non-browser clients and
 * pass. `Origin` alone is not enough: a page on a rebound name makes same-origin GETs (the 2025-11-25 SSE stream)
 * without it, but it cannot choose the `Host` header, which still names the attacker's domain — so Host is checked
 * too, against the names the gateway is served under.
 */
export function checkRequestOrigin(headers: OriginHeaders, policy: OriginPolicy): OriginCheck {
  const host = checkHost(headers.host, policy);
  if (!host.allowed) return host;
  if (headers.origin === undefined) return ALLOWED;
  if (typeof headers.origin !== 'string' || headers.origin.includes(',')) return deny('more than one Origin header');
  if (headers.origin.trim().toLowerCase() === 'null') return deny('opaque Origin "null" is not allowed');
  const origin = normalizeOrigin(headers.origin);
  if (!origin) return deny('malformed Origin header');
  return originAllowed(origin, policy) ? ALLOWED : deny(`Origin ${origin} is not allowed`);
}

function checkHost(value: OriginHeaders['host'], policy: OriginPolicy): OriginCheck {
  if (!policy.hosts) return ALLOWED;
  if (value === undefined) return deny('missing Host header');
  if (typeof value !== 'string') return deny('more than one Host header');
  const host = parseHostHeader(value);
  if (!host) return deny('malformed Host header');
  if (policy.allowLoopback && isLoopbackHostname(host.hostname)) return ALLOWED;
  const ports = policy.hosts.get(host.hostname);
  if (ports && (ports.size === 0 || ports.has(host.port))) return ALLOWED;
  return deny(`Host ${value} is not served here`);
}

function originAllowed(origin: string, policy: OriginPolicy): boolean {
  if (policy.exactOrigins.has(origin)) return true;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  const scheme = url.protocol.slice(0, -1);
  if (policy.allowLoopback && (scheme === 'http' || scheme === 'https') && isLoopbackHostname(url.hostname)) {
    return true;
  }
  const port = url.port || (scheme === 'http' ? '80' : scheme === 'https' ? '443' : '');
  return policy.wildcardOrigins.some(
    (w) =>
      w.scheme === scheme &&
      w.port === port &&
      url.hostname.endsWith(w.suffix) &&
      url.hostname.length > w.suffix.length,
  );
}

function deny(reason: string): OriginCheck {
  return { allowed: false, status: 403, reason };
}
