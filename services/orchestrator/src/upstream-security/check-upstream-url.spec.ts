import { checkUpstreamUrl } from './check-upstream-url';
import type { HostResolver, ResolvedAddress } from './host-resolver';
import { compileSsrfPolicy } from './ssrf-policy';

/** A resolver from a fixed table: no test ever asks real DNS. Records the names it was asked for. */
function fakeResolver(table: Record<string, string[]>): HostResolver & { asked: string[] } {
  const asked: string[] = [];
  const resolver = (hostname: string): Promise<readonly ResolvedAddress[]> => {
    asked.push(hostname);
    const addresses = table[hostname];
    if (!addresses) return Promise.reject(new Error(`getaddrinfo ENOTFOUND ${hostname}`));
    return Promise.resolve(addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })));
  };
  return Object.assign(resolver, { asked });
}

const resolver = fakeResolver({
  'mcp.example.com': ['93.184.216.34', '2606:2800:220:1::1'],
  'rebind.example': ['93.184.216.34', '10.0.0.5'],
  'internal.corp.example': ['10.20.30.40'],
  'api.corp.example': ['10.20.30.41'],
  'sneaky.corp.example': ['169.254.169.254'],
  'v6only.example': ['64:ff9b::5db8:d822'],
  'nat64-internal.example': ['64:ff9b::a00:1'],
  'empty.example': [],
  'garbage.example': ['not-an-address'],
});
const strict = compileSsrfPolicy({});

describe(checkUpstreamUrl.name, () => {
  it('should allow a public https URL and pin the first resolved address', async () => {
    const check = await checkUpstreamUrl('https://mcp.example.com/mcp', strict, resolver);
    expect(check).toMatchObject({
      ok: true,
      pinned: { address: '93.184.216.34', family: 4 },
      addresses: [{ address: '93.184.216.34' }, { address: '2606:2800:220:1::1', family: 6 }],
    });
    if (check.ok) expect(check.url.hostname).toBe('mcp.example.com');
  });

  it.each([
    ['RFC 1918 10/8', 'http://10.1.2.3/', 'private'],
    ['RFC 1918 172.16/12', 'http://172.31.255.255/', 'private'],
    ['RFC 1918 192.168/16', 'http://192.168.1.1:8080/', 'private'],
    ['loopback', 'http://127.0.0.1:3000/', 'loopback'],
    ['loopback elsewhere in 127/8', 'http://127.255.0.9/', 'loopback'],
    ['link-local', 'http://169.254.1.1/', 'link-local'],
    ['the metadata endpoint', 'http://169.254.169.254/latest/meta-data/', 'metadata'],
    ['ECS task metadata', 'http://169.254.170.2/v2/credentials', 'metadata'],
    ['unspecified', 'http://0.0.0.0:3000/', 'unspecified'],
    ['multicast', 'http://224.0.0.1/', 'multicast'],
    ['broadcast', 'http://255.255.255.255/', 'broadcast'],
    ['carrier-grade NAT', 'http://100.64.0.1/', 'shared'],
    ['documentation range', 'http://192.0.2.1/', 'reserved'],
    ['IPv6 loopback', 'http://[::1]:3000/', 'loopback'],
    ['IPv6 unspecified', 'http://[::]/', 'unspecified'],
    ['IPv6 unique local fc00::/7', 'http://[fd12:3456::1]/', 'unique-local'],
    ['IPv6 link-local', 'http://[fe80::1]/', 'link-local'],
    ['IPv6 multicast', 'http://[ff02::1]/', 'multicast'],
    ['AWS IMDS over IPv6', 'http://[fd00:ec2::254]/latest/meta-data/', 'metadata'],
    ['IPv4-mapped loopback', 'http://[::ffff:127.0.0.1]/', 'loopback'],
    ['IPv4-mapped private', 'http://[::ffff:10.0.0.1]/', 'private'],
    ['IPv4-mapped metadata', 'http://[::ffff:169.254.169.254]/', 'metadata'],
    ['IPv4-compatible loopback', 'http://[::127.0.0.1]/', 'ipv4-embedding'],
    ['NAT64 of a private address', 'http://[64:ff9b::10.0.0.1]/', 'private'],
    ['6to4', 'http://[2002:7f00:1::1]/', 'ipv4-embedding'],
    ['Teredo', 'http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/', 'ipv4-embedding'],
    ['hex loopback', 'http://0x7f.1/', 'loopback'],
    ['decimal loopback', 'http://2130706433/', 'loopback'],
    ['octal private', 'http://012.0.0.1/', 'private'],
    ['short-form zero', 'http://0/', 'unspecified'],
  ])('should refuse %s (%s)', async (_label, url, category) => {
    const check = await checkUpstreamUrl(url, strict, resolver);
    expect(check).toMatchObject({ ok: false, reason: 'blocked-address', category });
  });

  it('should refuse a host whose DNS answer mixes public and internal addresses', async () => {
    expect(await checkUpstreamUrl('https://rebind.example/', strict, resolver)).toMatchObject({
      ok: false,
      reason: 'blocked-address',
      category: 'private',
    });
  });

  it('should refuse a name that resolves to an internal address', async () => {
    expect(await checkUpstreamUrl('https://internal.corp.example/mcp', strict, resolver)).toMatchObject({
      ok: false,
      reason: 'blocked-address',
      message: 'Address 10.20.30.40 is private and not allow-listed',
    });
  });

  it.each(['metadata.google.internal', 'METADATA.google.internal.', 'metadata.goog', 'localhost', 'app.localhost'])(
    'should refuse the host %s by name without resolving it',
    async (host) => {
      const local = fakeResolver({});
      expect(await checkUpstreamUrl(`http://${host}/`, strict, local)).toMatchObject({
        ok: false,
        reason: 'blocked-host',
      });
      expect(local.asked).toEqual([]);
    },
  );

  it.each([
    ['file:///etc/passwd', 'scheme-not-allowed'],
    ['gopher://mcp.example.com/', 'scheme-not-allowed'],
    ['ftp://mcp.example.com/', 'scheme-not-allowed'],
    ['ws://mcp.example.com/', 'scheme-not-allowed'],
    ['https://user:secret@mcp.example.com/', 'credentials-in-url'],
    ['not a url', 'invalid-url'],
    ['https://nowhere.example/', 'unresolvable'],
    ['https://empty.example/', 'unresolvable'],
    ['https://garbage.example/', 'unresolvable'],
  ])('should refuse %s (%s)', async (url, reason) => {
    expect(await checkUpstreamUrl(url, strict, resolver)).toMatchObject({ ok: false, reason });
  });

  it('should follow NAT64 to the IPv4 address it stands for', async () => {
    expect(await checkUpstreamUrl('https://v6only.example/', strict, resolver)).toMatchObject({ ok: true });
    expect(await checkUpstreamUrl('https://nat64-internal.example/', strict, resolver)).toMatchObject({
      ok: false,
      category: 'private',
    });
  });

  describe('allow-lists', () => {
    const policy = compileSsrfPolicy({
      allowedHosts: ['internal.corp.example', '*.svc.cluster.local'],
      allowedCidrs: ['10.20.30.41/32', '192.168.0.0/16', 'fd12::/16', '169.254.0.0/16'],
    });

    it('should allow an allow-listed name to resolve to an internal address', async () => {
      expect(await checkUpstreamUrl('https://internal.corp.example/mcp', policy, resolver)).toMatchObject({
        ok: true,
        pinned: { address: '10.20.30.40' },
      });
    });

    it('should allow subdomains of a wildcard name', async () => {
      const cluster = fakeResolver({ 'mcp.tools.svc.cluster.local': ['10.96.0.12'] });
      expect(await checkUpstreamUrl('http://mcp.tools.svc.cluster.local:8080/', policy, cluster)).toMatchObject({
        ok: true,
      });
    });

    it('should allow addresses inside an allow-listed range, including their IPv4-mapped form', async () => {
      expect(await checkUpstreamUrl('https://api.corp.example/', policy, resolver)).toMatchObject({ ok: true });
      expect(await checkUpstreamUrl('http://192.168.4.4/', policy, resolver)).toMatchObject({ ok: true });
      expect(await checkUpstreamUrl('http://[::ffff:192.168.4.4]/', policy, resolver)).toMatchObject({ ok: true });
      expect(await checkUpstreamUrl('http://[fd12::7]/', policy, resolver)).toMatchObject({ ok: true });
      expect(await checkUpstreamUrl('http://10.20.30.42/', policy, resolver)).toMatchObject({ ok: false });
    });

    it('should keep metadata closed behind a broad range or an allow-listed name', async () => {
      expect(await checkUpstreamUrl('http://169.254.1.1/', policy, resolver)).toMatchObject({ ok: true });
      expect(await checkUpstreamUrl('http://169.254.169.254/', policy, resolver)).toMatchObject({
        ok: false,
        category: 'metadata',
      });
      const named = compileSsrfPolicy({ allowedHosts: ['sneaky.corp.example'] });
      expect(await checkUpstreamUrl('http://sneaky.corp.example/', named, resolver)).toMatchObject({
        ok: false,
        category: 'metadata',
      });
    });

    it('should open a metadata address only with an exact entry', async () => {
      const exact = compileSsrfPolicy({ allowedCidrs: ['169.254.169.254'] });
      expect(await checkUpstreamUrl('http://169.254.169.254/', exact, resolver)).toMatchObject({ ok: true });
    });

    it('should not treat an allow-listed name as allowing an IP literal', async () => {
      const named = compileSsrfPolicy({ allowedHosts: ['internal.corp.example'] });
      expect(await checkUpstreamUrl('http://10.20.30.40/', named, resolver)).toMatchObject({ ok: false });
    });
  });
});

describe(compileSsrfPolicy.name, () => {
  it.each([
    { allowedCidrs: ['10.0.0.0/33'] },
    { allowedCidrs: ['10/8'] },
    { allowedCidrs: ['0x0a.0.0.0/8'] },
    { allowedCidrs: ['corp.example'] },
    { allowedHosts: ['https://corp.example'] },
    { allowedHosts: ['corp.example/path'] },
  ])('should fail fast on %j', (config) => {
    expect(() => compileSsrfPolicy(config)).toThrow(/Not a/);
  });
});
