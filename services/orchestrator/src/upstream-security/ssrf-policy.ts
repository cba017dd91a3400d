import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import type { IpAddress } from './address-category';

export interface SsrfPolicyConfig {
  /**
   * Host names that may resolve to internal addresses (an MCP server on the corporate network), exact or with a
   * leading `*.` for subdomains. Matching a name does not open cloud metadata addresses: those need an exact entry in
   * `allowedCidrs`.
   */
  readonly allowedHosts?: readonly string[];
  /** Address ranges that may be reached even though they are internal, e.g. `10.20.0.0/16` or `fd12::/64`. */
  readonly allowedCidrs?: readonly string[];
}

export interface SsrfPolicy {
  readonly exactHosts: ReadonlySet<string>;
  readonly hostSuffixes: readonly string[];
  readonly cidrs: readonly (readonly [IpAddress, number])[];
}

/** @throws Error naming the first entry that is not a host name or CIDR: a typo must fail the boot, not open a hole. */
export function compileSsrfPolicy(config: SsrfPolicyConfig): SsrfPolicy {
  const exactHosts = new Set<string>();
  const hostSuffixes: string[] = [];
  for (const entry of config.allowedHosts ?? []) {
    const name = normalizeHostname(entry.replace(/^\*\./, ''));
    if (!/^[a-z0-9-]+(\.[a-z0-9-]+)*$/.test(name)) throw new Error(`Not a host name: ${entry}`);
    if (entry.startsWith('*.')) hostSuffixes.push(`.${name}`);
    else exactHosts.add(name);
  }
  return { exactHosts, hostSuffixes, cidrs: (config.allowedCidrs ?? []).map(parseCidr) };
}

/** A range or a single address; only canonical address spellings (ipaddr.js alone would accept `10` or `0x0a`). */
function parseCidr(entry: string): readonly [IpAddress, number] {
  const [address, bits, ...rest] = entry.trim().split('/');
  if (rest.length === 0 && isIP(address) !== 0) {
    if (bits === undefined) {
      const parsed = ipaddr.parse(address);
      return [parsed, parsed.kind() === 'ipv4' ? 32 : 128];
    }
    if (/^\d{1,3}$/.test(bits) && ipaddr.isValidCIDR(`${address}/${bits}`))
      return ipaddr.parseCIDR(`${address}/${bits}`);
  }
  throw new Error(`Not an address or CIDR range: ${entry}`);
}

export function hostAllowed(hostname: string, policy: SsrfPolicy): boolean {
  const name = normalizeHostname(hostname);
  return policy.exactHosts.has(name) || policy.hostSuffixes.some((suffix) => name.endsWith(suffix));
}

/**
 * Whether an allow-listed range covers the address. With `exactOnly`, only single-address entries count: that is
 * how metadata endpoints are opened, so that allowing `169.254.0.0/16` for a device does not expose credentials.
 */
export function addressAllowed(address: IpAddress, policy: SsrfPolicy, exactOnly: boolean): boolean {
  return policy.cidrs.some(([range, bits]) => {
    if (range.kind() !== address.kind()) return false;
    if (exactOnly && bits !== (address.kind() === 'ipv4' ? 32 : 128)) return false;
    return address.match(range, bits);
  });
}

/** Lower case, without the trailing dot that makes `metadata.google.internal.` the same name. */
export function normalizeHostname(hostname: string): string {
  return hostname.trim().toLowerCase().replace(/\.$/, '');
}
