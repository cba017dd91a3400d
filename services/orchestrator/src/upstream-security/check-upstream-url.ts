import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { type AddressCategory, type IpAddress, addressCategory, effectiveAddress } from './address-category';
import type { HostResolver, ResolvedAddress } from './host-resolver';
import { type SsrfPolicy, addressAllowed, hostAllowed, normalizeHostname } from './ssrf-policy';

export type UpstreamUrlRefusal =
  'invalid-url' | 'scheme-not-allowed' | 'credentials-in-url' | 'blocked-host' | 'blocked-address' | 'unresolvable';

export type UpstreamUrlCheck =
  | {
      readonly ok: true;
      readonly url: URL;
      /**
       * Connect to this address and no other (keeping `url.hostname` for TLS SNI and the Host header): resolving
       * again at connect time would let DNS answer differently from what was checked (DNS rebinding).
       */
      readonly pinned: ResolvedAddress;
      readonly addresses: readonly ResolvedAddress[];
    }
  | {
      readonly ok: false;
      readonly reason: UpstreamUrlRefusal;
      readonly message: string;
      readonly category?: AddressCategory;
    };

/** Names that are metadata endpoints whatever they resolve to; refused unless allow-listed by name. */
const METADATA_HOSTNAMES = new Set(['metadata.google.internal', 'metadata.goog', 'instance-data.ec2.internal']);

/**
 * Checks the URL of a `remote` upstream before the orchestrator connects to it: http(s) only, no credentials in the
 * URL, and every address the host resolves to must be public unicast unless allow-listed. Refusing when any one
 * address is internal (rather than picking a public one) defeats answers that mix both. Redirects must be refused
 * or re-checked by the caller, since a public server can redirect to an internal one.
 */
export async function checkUpstreamUrl(
  text: string,
  policy: SsrfPolicy,
  resolve: HostResolver,
): Promise<UpstreamUrlCheck> {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return refuse('invalid-url', 'Not a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return refuse('scheme-not-allowed', `Scheme ${url.protocol} is not allowed; use http or https`);
  }
  if (url.username || url.password) {
    return refuse('credentials-in-url', 'Credentials in the URL are not allowed; configure headers instead');
  }

  // WHATWG URL has already turned `0x7f.1`, `2130706433` and `[0:0::1]` into canonical addresses.
  const hostname = url.hostname.replace(/^\[|\]$/g, '');
  const nameAllowed = isIP(hostname) === 0 && hostAllowed(hostname, policy);
  const name = normalizeHostname(hostname);
  if (!nameAllowed && (METADATA_HOSTNAMES.has(name) || name === 'localhost' || name.endsWith('.localhost'))) {
    return refuse('blocked-host', `Host ${name} is not allowed`);
  }

  const addresses = isIP(hostname) !== 0 ? [literal(hostname)] : await resolveAll(hostname, resolve);
  if (!Array.isArray(addresses)) return addresses;
  for (const resolved of addresses) {
    const refusal = checkAddress(resolved, nameAllowed, policy);
    if (refusal) return refusal;
  }
  return { ok: true, url, pinned: addresses[0], addresses };
}

async function resolveAll(hostname: string, resolve: HostResolver): Promise<ResolvedAddress[] | UpstreamUrlCheck> {
  let addresses: readonly ResolvedAddress[];
  try {
    addresses = await resolve(hostname);
  } catch (error) {
    return refuse(
      'unresolvable',
      `Host ${hostname} does not resolve: ${error instanceof Error ? error.message : 'error'}`,
    );
  }
  if (addresses.length === 0) return refuse('unresolvable', `Host ${hostname} has no addresses`);
  // A resolver returning something that is not an address is broken or hostile; nothing to connect to safely.
  if (addresses.some(({ address }) => isIP(address) === 0))
    return refuse('unresolvable', `Host ${hostname} resolved to a non-address`);
  return [...addresses];
}

function checkAddress(
  resolved: ResolvedAddress,
  nameAllowed: boolean,
  policy: SsrfPolicy,
): UpstreamUrlCheck | undefined {
  const address: IpAddress = ipaddr.parse(resolved.address);
  const category = addressCategory(address);
  if (category === 'public') return undefined;
  const forms = [address, effectiveAddress(address)];
  const metadata = category === 'metadata';
  if (forms.some((form) => addressAllowed(form, policy, metadata))) return undefined;
  if (nameAllowed && !metadata) return undefined;
  return {
    ok: false,
    reason: 'blocked-address',
    category,
    message: `Address ${resolved.address} is ${category === 'metadata' ? 'a cloud metadata endpoint' : category} and not allow-listed`,
  };
}

function literal(hostname: string): ResolvedAddress {
  return { address: hostname, family: isIP(hostname) === 6 ? 6 : 4 };
}

function refuse(reason: UpstreamUrlRefusal, message: string): UpstreamUrlCheck {
  return { ok: false, reason, message };
}
