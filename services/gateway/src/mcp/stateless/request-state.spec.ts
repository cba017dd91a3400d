import { RequestStateCodec, requestDigest } from './request-state';

describe(RequestStateCodec.name, () => {
  let now = 1_000_000;
  const codec = new RequestStateCodec(Buffer.alloc(32, 7), () => now);
  const ref = { worker: 'w1', sessionId: 's1', callId: 'c1', round: 1, keys: ['pc-abc-1'] };
  const digest = requestDigest('default/everything', 'tools/call', { name: 'echo', arguments: { a: 1, b: 2 } });

  it('should give back the parked call to the same caller and request', () => {
    const state = codec.issue(ref, 'default/admin', digest, 60_000);
    expect(codec.read(state, 'default/admin', digest)).toEqual({ ok: true, ref });
  });

  it('should carry the upstream requests to refuse on the client’s behalf, and the capabilities they needed', () => {
    const withRefusals = { ...ref, refused: ['pc-abc-2'], missing: { elicitation: {} } };
    const state = codec.issue(withRefusals, 'default/admin', digest, 60_000);
    expect(codec.read(state, 'default/admin', digest)).toEqual({ ok: true, ref: withRefusals });
  });

  it('should bind the state to the request arguments, not their key order', () => {
    const sameArgs = requestDigest('default/everything', 'tools/call', { arguments: { b: 2, a: 1 }, name: 'echo' });
    expect(sameArgs).toBe(digest);
    const otherArgs = requestDigest('default/everything', 'tools/call', { name: 'echo', arguments: { a: 1, b: 3 } });
    const state = codec.issue(ref, 'default/admin', digest, 60_000);
    expect(codec.read(state, 'default/admin', otherArgs)).toEqual({
      ok: false,
      reason: expect.stringMatching(/different request/) as unknown,
    });
  });

  it('should refuse a tampered state, another caller and a late retry', () => {
    const state = codec.issue(ref, 'default/admin', digest, 60_000);
    const [, body, mac] = /^rs1\.([^.]+)\.(.+)$/.exec(state)!;
    const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(body, 'base64url').toString()), w: 'evil' }));
    expect(codec.read(`rs1.${forged.toString('base64url')}.${mac}`, 'default/admin', digest)).toMatchObject({
      ok: false,
    });
    expect(
      codec.read(`${state.slice(0, -1)}${state.endsWith('A') ? 'B' : 'A'}`, 'default/admin', digest),
    ).toMatchObject({
      ok: false,
    });
    expect(codec.read(state, 'other/alice', digest)).toEqual({
      ok: false,
      reason: expect.stringMatching(/another caller/) as unknown,
    });
    now += 60_001;
    expect(codec.read(state, 'default/admin', digest)).toEqual({
      ok: false,
      reason: expect.stringMatching(/expired/) as unknown,
    });
  });

  it('should refuse what it did not issue without throwing', () => {
    for (const junk of [undefined, 42, '', 'rs1.', 'rs1.a.b.c', 'x'.repeat(20_000), 'rs1.bm90IGpzb24.sig'])
      expect(codec.read(junk, 'default/admin', digest)).toMatchObject({ ok: false });
    const otherKey = new RequestStateCodec(Buffer.alloc(32, 8), () => now);
    expect(codec.read(otherKey.issue(ref, 'default/admin', digest, 60_000), 'default/admin', digest)).toMatchObject({
      ok: false,
    });
  });
});
