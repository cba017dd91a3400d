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
});
