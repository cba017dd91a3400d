import ipaddr from 'ipaddr.js';

export type IpAddress = ipaddr.IPv4 | ipaddr.IPv6;

/** Why an address is not a public unicast one; `public` is the only category reachable without an allow-list entry. */
export type AddressCategory =
  | 'public'
  | 'metadata'
  | 'private'
  | 'loopback'
  | 'link-local'
  | 'unspecified'
  | 'multicast'
  | 'broadcast'
  | 'shared'
  | 'unique-local'
  | 'reserved'
  | 'ipv4-embedding';

/**
 * Cloud instance-metadata endpoints: reaching one from a server is how SSRF turns into stolen cloud credentials.
 * AWS IMDS (v4 and v6), ECS task metadata, EKS Pod Identity (v4 and v6), Alibaba Cloud; GCP and Azure use
 * 169.254.169.254 too.
 */
const METADATA_ADDRESSES = [
  '169.254.169.254',
  '169.254.170.2',
  '169.254.170.23',
  '100.100.100.200',
  'fd00:ec2::254',
  'fd00:ec2::23',
].map((text) => ipaddr.parse(text).toNormalizedString());

const IPV4_CATEGORIES: Partial<Record<ReturnType<ipaddr.IPv4['range']>, AddressCategory>> = {
  unicast: 'public',
  private: 'private',
  loopback: 'loopback',
  linkLocal: 'link-local',
  unspecified: 'unspecified',
  multicast: 'multicast',
  broadcast: 'broadcast',
  carrierGradeNat: 'shared',
};

const IPV6_CATEGORIES: Partial<Record<ReturnType<ipaddr.IPv6['range']>, AddressCategory>> = {
  unicast: 'public',
  loopback: 'loopback',
  linkLocal: 'link-local',
  unspecified: 'unspecified',
  multicast: 'multicast',
  uniqueLocal: 'unique-local',
};

/** NAT64 well-known prefix: a DNS64 resolver in an IPv6-only cluster returns public IPv4 hosts inside it. */
const NAT64 = ipaddr.parseCIDR('64:ff9b::/96');
/** IPv4-compatible addresses (deprecated): `::127.0.0.1` must not slip through as "public IPv6". */
const IPV4_COMPATIBLE = ipaddr.parseCIDR('::/96');

/**
 * The address an IPv6 form really reaches when it embeds an IPv4 one that the network stack (or a NAT64 gateway)
 * will use: IPv4-mapped `::ffff:a.b.c.d` and NAT64 `64:ff9b::a.b.c.d`. Other addresses are returned as they are.
 */
export function effectiveAddress(address: IpAddress): IpAddress {
  if (address.kind() === 'ipv6') {
    const v6 = address as ipaddr.IPv6;
    if (v6.isIPv4MappedAddress()) return v6.toIPv4Address();
    if (v6.match(NAT64)) return ipaddr.IPv4.parse(v6.toByteArray().slice(12).join('.'));
  }
  return address;
}

/** Deny by default: anything that is not plain public unicast gets a category naming why. */
export function addressCategory(address: IpAddress): AddressCategory {
  const effective = effectiveAddress(address);
  if (METADATA_ADDRESSES.includes(effective.toNormalizedString())) return 'metadata';
  if (effective.kind() === 'ipv4') return IPV4_CATEGORIES[(effective as ipaddr.IPv4).range()] ?? 'reserved';
  const v6 = effective as ipaddr.IPv6;
  const range = v6.range();
  if (range === 'unicast' && v6.match(IPV4_COMPATIBLE)) return 'ipv4-embedding';
  // 6to4, Teredo, IPv4-translated and local-use NAT64 tunnel to IPv4 destinations we cannot see: refuse them.
  if (range === '6to4' || range === 'teredo' || range === 'rfc6145' || range === 'rfc6052') return 'ipv4-embedding';
  return IPV6_CATEGORIES[range] ?? 'reserved';
}
