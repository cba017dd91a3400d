import { createHmac } from 'node:crypto';
import { LegacyStreamTokens } from './legacy-stream-token';

describe(LegacyStreamTokens.name, () => {
  const tokens = new LegacyStreamTokens(Buffer.alloc(32, 3));
  const ref = { replica: 'gateway-7f3a', stream: 'q2Vx9kT1', gateway: 'default', server: 'everything' };

  it('should round-trip the replica, stream and endpoint it names, in a URL-safe form', () => {
    const token = tokens.issue(ref);
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(tokens.read(token)).toEqual(ref);
    expect(tokens.read(tokens.issue({ ...ref, server: null }))).toEqual({ ...ref, server: null });
  });

  it('should refuse a token signed with another key, a changed payload, or garbage', () => {
    const token = tokens.issue(ref);
    expect(new LegacyStreamTokens(Buffer.alloc(32, 4)).read(token)).toBeUndefined();
    const payload = Buffer.from(JSON.stringify(['ls1', 'other-replica', 'q2Vx9kT1', 'default', 'everything']));
    expect(tokens.read(`${payload.toString('base64url')}.${token.split('.')[1]}`)).toBeUndefined();
    for (const bad of ['', 'abc', 'a.b.c', '..', `${token}x`]) expect(tokens.read(bad)).toBeUndefined();
  });

  it('should refuse a Streamable HTTP session id, which is signed with the same kind of key but names a worker', () => {
    const mac = (payload: string) => createHmac('sha256', Buffer.alloc(32, 3)).update(payload).digest('base64url');
    const payload = Buffer.from('v1.worker-1.session-1').toString('base64url');
    expect(tokens.read(`${payload}.${mac(payload)}`)).toBeUndefined();
  });
});
