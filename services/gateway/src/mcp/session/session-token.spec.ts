import { SessionTokens } from './session-token';

describe(SessionTokens.name, () => {
  const tokens = new SessionTokens(Buffer.alloc(32, 7));

  it('should round-trip the worker and session it names', () => {
    const token = tokens.issue({ worker: 'orchestrator-1', sessionId: '0b6c5b0e-6c1f-4a43-9a43-2c1d2f7c9e11' });
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(tokens.read(token)).toEqual({ worker: 'orchestrator-1', sessionId: '0b6c5b0e-6c1f-4a43-9a43-2c1d2f7c9e11' });
  });

  it('should refuse a token signed with another key, a changed payload, or garbage', () => {
    const token = tokens.issue({ worker: 'w', sessionId: 's' });
    expect(new SessionTokens(Buffer.alloc(32, 8)).read(token)).toBeUndefined();
    const forged = `${Buffer.from('v1.other-worker.s').toString('base64url')}.${token.split('.')[1]}`;
    expect(tokens.read(forged)).toBeUndefined();
    for (const bad of ['', 'abc', 'a.b.c', '..', `${token}x`]) expect(tokens.read(bad)).toBeUndefined();
  });

  it('should answer the same for a token it has verified before, and tell plain from aggregated tokens', () => {
    const plain = tokens.issue({ worker: 'w', sessionId: 's' });
    const aggregate = tokens.issueAggregate({ gateway: 'g', servers: [{ server: 'a', worker: 'w', sessionId: 's' }] });
    for (let i = 0; i < 2; i++) {
      expect(tokens.read(plain)).toEqual({ worker: 'w', sessionId: 's' });
      expect(tokens.readAggregate(plain)).toBeUndefined();
      expect(tokens.readAggregate(aggregate)).toEqual({
        gateway: 'g',
        servers: [{ server: 'a', worker: 'w', sessionId: 's' }],
      });
      expect(tokens.read(aggregate)).toBeUndefined();
    }
  });

  it('should keep refusing a forged token after the genuine one was verified', () => {
    const token = tokens.issue({ worker: 'w', sessionId: 's' });
    expect(tokens.read(token)).toBeDefined();
    const [payload, mac] = token.split('.');
    expect(tokens.read(`${payload}.${mac.slice(0, -2)}AA`)).toBeUndefined();
    expect(tokens.read(`${Buffer.from('v1.w2.s').toString('base64url')}.${mac}`)).toBeUndefined();
  });

  it('should stay correct when it forgets old tokens (many long aggregated ones)', () => {
    const servers = Array.from({ length: 400 }, (_, i) => ({
      server: `s${i}`,
      worker: 'w',
      sessionId: `${i}`.repeat(30),
    }));
    const issued = Array.from({ length: 300 }, (_, i) => tokens.issueAggregate({ gateway: `g${i}`, servers }));
    for (const token of issued) expect(tokens.readAggregate(token)?.gateway).toBeDefined();
    expect(tokens.readAggregate(issued[0])?.gateway).toBe('g0'); // forgotten by now, verified again
  });
});
