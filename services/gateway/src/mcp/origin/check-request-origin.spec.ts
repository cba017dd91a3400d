import { checkRequestOrigin } from './check-request-origin';
import { type OriginPolicyConfig, compileOriginPolicy } from './origin-policy';

const local = compileOriginPolicy({ allowedOrigins: [], allowedHosts: [], allowLoopback: true });
const production = compileOriginPolicy({
  allowedOrigins: ['https://console.example.com', 'https://*.apps.example.com', 'vscode-webview://abc123'],
  allowedHosts: ['mcp.example.com', 'internal.example.com:8443'],
  allowLoopback: false,
});

describe(checkRequestOrigin.name, () => {
  describe('on a developer machine (loopback only)', () => {
    it('should allow a non-browser client, which sends no Origin', () => {
      expect(checkRequestOrigin({ host: '127.0.0.1:3000' }, local)).toEqual({ allowed: true });
    });

    it.each(['http://localhost:4200', 'http://127.0.0.1:6274', 'http://[::1]:3000', 'https://localhost'])(
      'should allow the loopback origin %s',
      (origin) => {
        expect(checkRequestOrigin({ origin, host: 'localhost:3000' }, local)).toEqual({ allowed: true });
      },
    );

    it('should refuse a rebinding attack: the attacker’s page and name, resolved to 127.0.0.1', () => {
      expect(checkRequestOrigin({ origin: 'http://evil.example:3000', host: 'evil.example:3000' }, local)).toEqual({
        allowed: false,
        status: 403,
        reason: 'Host evil.example:3000 is not served here',
      });
    });

    it('should refuse a rebound same-origin GET that carries no Origin, by its Host', () => {
      expect(checkRequestOrigin({ host: 'evil.example:3000' }, local)).toMatchObject({ allowed: false, status: 403 });
    });

    it('should refuse a foreign origin even with a loopback Host', () => {
      expect(checkRequestOrigin({ origin: 'https://evil.example', host: 'localhost:3000' }, local)).toEqual({
        allowed: false,
        status: 403,
        reason: 'Origin https://evil.example is not allowed',
      });
    });

    it.each(['localhost.evil.example', '127.0.0.1.nip.io', 'localhost.localdomain.evil.example'])(
      'should not mistake %s for loopback',
      (name) => {
        expect(checkRequestOrigin({ origin: `http://${name}`, host: `${name}:3000` }, local).allowed).toBe(false);
      },
    );
  });

  describe('behind a public name', () => {
    it('should allow a listed origin, normalising case and default port', () => {
      expect(
        checkRequestOrigin({ origin: 'HTTPS://Console.Example.com:443', host: 'mcp.example.com' }, production),
      ).toEqual({ allowed: true });
    });

    it('should allow subdomains of a wildcard origin, but not the domain itself or another scheme', () => {
      const check = (origin: string) => checkRequestOrigin({ origin, host: 'mcp.example.com' }, production).allowed;
      expect(check('https://team-a.apps.example.com')).toBe(true);
      expect(check('https://x.y.apps.example.com')).toBe(true);
      expect(check('https://apps.example.com')).toBe(false);
      expect(check('http://team-a.apps.example.com')).toBe(false);
      expect(check('https://team-a.apps.example.com:8443')).toBe(false);
      expect(check('https://evilapps.example.com')).toBe(false);
    });

    it('should compare non-web origins as written', () => {
      expect(
        checkRequestOrigin({ origin: 'vscode-webview://abc123', host: 'mcp.example.com' }, production).allowed,
      ).toBe(true);
      expect(
        checkRequestOrigin({ origin: 'vscode-webview://other', host: 'mcp.example.com' }, production).allowed,
      ).toBe(false);
    });

    it('should refuse loopback origins and hosts when loopback is not allowed', () => {
      expect(checkRequestOrigin({ origin: 'http://localhost:4200', host: 'mcp.example.com' }, production).allowed).toBe(
        false,
      );
      expect(checkRequestOrigin({ host: 'localhost:3000' }, production).allowed).toBe(false);
    });

    it('should match host entries with and without a port', () => {
      const host = (value: string) => checkRequestOrigin({ host: value }, production).allowed;
      expect(host('mcp.example.com')).toBe(true);
      expect(host('MCP.example.com:3000')).toBe(true);
      expect(host('internal.example.com:8443')).toBe(true);
      expect(host('internal.example.com')).toBe(false);
      expect(host('internal.example.com:443')).toBe(false);
    });

    it.each([
      ['a missing Host', {}, 'missing Host header'],
      ['two Host headers', { host: ['mcp.example.com', 'evil.example'] }, 'more than one Host header'],
      ['a Host with credentials', { host: 'mcp.example.com@evil.example' }, 'malformed Host header'],
      ['a Host with a path', { host: 'mcp.example.com/x' }, 'malformed Host header'],
      ['an empty Host', { host: '' }, 'malformed Host header'],
      [
        'two Origin headers',
        { host: 'mcp.example.com', origin: ['https://console.example.com', 'x'] },
        'more than one Origin header',
      ],
      [
        'a combined Origin',
        { host: 'mcp.example.com', origin: 'https://console.example.com, https://evil.example' },
        'more than one Origin header',
      ],
      ['Origin null', { host: 'mcp.example.com', origin: 'null' }, 'opaque Origin "null" is not allowed'],
      [
        'an Origin with a path',
        { host: 'mcp.example.com', origin: 'https://console.example.com/app' },
        'malformed Origin header',
      ],
      [
        'an Origin with credentials',
        { host: 'mcp.example.com', origin: 'https://u:p@console.example.com' },
        'malformed Origin header',
      ],
      ['a garbage Origin', { host: 'mcp.example.com', origin: '%%%' }, 'malformed Origin header'],
    ])('should refuse %s with 403', (_label, headers, reason) => {
      expect(checkRequestOrigin(headers, production)).toEqual({ allowed: false, status: 403, reason });
    });
  });

  it('should skip the Host check behind an ingress that enforces it, and still check Origin', () => {
    const policy = compileOriginPolicy({
      allowedOrigins: ['https://console.example.com'],
      allowedHosts: 'any',
      allowLoopback: false,
    });
    expect(checkRequestOrigin({ host: 'whatever.internal' }, policy)).toEqual({ allowed: true });
    expect(checkRequestOrigin({ origin: 'https://evil.example' }, policy).allowed).toBe(false);
  });
});

describe(compileOriginPolicy.name, () => {
  it.each<[string, Partial<OriginPolicyConfig>]>([
    ['an origin with a path', { allowedOrigins: ['https://console.example.com/app'] }],
    ['a bare hostname as origin', { allowedOrigins: ['console.example.com'] }],
    ['a host with a scheme', { allowedHosts: ['https://mcp.example.com'] }],
    ['a host with credentials', { allowedHosts: ['a@mcp.example.com'] }],
  ])('should fail fast on %s', (_label, config) => {
    expect(() =>
      compileOriginPolicy({ allowedOrigins: [], allowedHosts: [], allowLoopback: false, ...config }),
    ).toThrow();
  });

  it('should let a host listed without a port admit every port even if also listed with one', () => {
    const policy = compileOriginPolicy({
      allowedOrigins: [],
      allowedHosts: ['a.example:1', 'a.example'],
      allowLoopback: false,
    });
    expect(checkRequestOrigin({ host: 'a.example:2' }, policy).allowed).toBe(true);
  });
});
