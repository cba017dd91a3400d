export interface OriginPolicyConfig {
  /**
   * Browser origins that may call the MCP endpoints (e.g. the console), as `scheme://host[:port]`. A leading `*.`
   * label (`https://*.example.com`) admits every subdomain, not the domain itself.
   */
  readonly allowedOrigins: readonly string[];
  /**
   * `Host` header values the gateway answers to; `host` admits any port, `host:port` that port only. `'any'` skips the
   * check, for a gateway behind an ingress that already enforces its hostnames.
   */
  readonly allowedHosts: readonly string[] | 'any';
  /** Admit loopback origins and hosts (localhost, 127.0.0.0/8, [::1]) on any port: a gateway on a developer machine. */
  readonly allowLoopback: boolean;
}

interface WildcardOrigin {
  readonly scheme: string;
  readonly suffix: string;
  readonly port: string;
}

/** A parsed, normalised policy; build it once at start-up so a bad entry fails the boot, not a request. */
export interface OriginPolicy {
  readonly exactOrigins: ReadonlySet<string>;
  readonly wildcardOrigins: readonly WildcardOrigin[];
  /** hostname → allowed ports; an empty set means any port. Undefined: Host is not checked. */
  readonly hosts?: ReadonlyMap<string, ReadonlySet<string>>;
  readonly allowLoopback: boolean;
}

const WILDCARD = /^([a-z][a-z0-9+.-]*):\/\/\*\.([^/:*]+)(?::(\d+))?$/i;
const DEFAULT_PORTS: Record<string, string> = { http: '80', https: '443' };

/** @throws Error naming the first entry that is not an origin or host. */
export function compileOriginPolicy(config: OriginPolicyConfig): OriginPolicy {
  const exactOrigins = new Set<string>();
  const wildcardOrigins: WildcardOrigin[] = [];
  for (const entry of config.allowedOrigins) {
    const wildcard = WILDCARD.exec(entry.trim());
    if (wildcard) {
      const scheme = wildcard[1].toLowerCase();
      const host = normalizeOrigin(`${scheme}://${wildcard[2]}`);
      if (!host) throw new Error(`Not an origin: ${entry}`);
      const suffix = `.${new URL(host).hostname}`;
      wildcardOrigins.push({ scheme, suffix, port: wildcard[3] ?? DEFAULT_PORTS[scheme] ?? '' });
      continue;
    }
    const origin = normalizeOrigin(entry);
    if (!origin) throw new Error(`Not an origin (scheme://host[:port], no path): ${entry}`);
    exactOrigins.add(origin);
  }
  return {
    exactOrigins,
    wildcardOrigins,
    hosts: compileHosts(config.allowedHosts),
    allowLoopback: config.allowLoopback,
  };
}

function compileHosts(allowedHosts: readonly string[] | 'any'): Map<string, Set<string>> | undefined {
  if (allowedHosts === 'any') return undefined;
  const hosts = new Map<string, Set<string>>();
  for (const entry of allowedHosts) {
    const parsed = parseHostHeader(entry);
    if (!parsed) throw new Error(`Not a host (host or host:port): ${entry}`);
    const listed = hosts.get(parsed.hostname);
    // An empty set is "any port", and wins over a specific port listed elsewhere for the same host.
    if (parsed.port === '' || listed?.size === 0) hosts.set(parsed.hostname, new Set());
    else hosts.set(parsed.hostname, new Set([...(listed ?? []), parsed.port]));
  }
  return hosts;
}

/**
 * `scheme://host[:port]` in the form browsers send (lower case, default port dropped), or undefined when the text is
 * not a bare origin. Non-special schemes (`vscode-webview://…`) have no URL origin and are compared as written.
 */
export function normalizeOrigin(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    return undefined;
  }
  if (
    url.username ||
    url.password ||
    url.search ||
    url.hash ||
    !/^[a-z][a-z0-9+.-]*:\/\/[^/]+\/?$/i.test(text.trim())
  ) {
    return undefined;
  }
  return url.origin === 'null' ? text.trim().replace(/\/$/, '').toLowerCase() : url.origin;
}

/** A Host header split into the normalised hostname and the port as written ('' when absent). */
export function parseHostHeader(value: string): { hostname: string; port: string } | undefined {
  // Anything that would make URL read part of the value as credentials, path or query is not a Host.
  if (value === '' || /[@/?#\\\s]/.test(value)) return undefined;
  try {
    const url = new URL(`http://${value}`);
    const port = /:(\d+)$/.exec(value)?.[1] ?? '';
    return { hostname: url.hostname, port };
  } catch {
    return undefined;
  }
}
