import type { ToolPin } from '@portcullis/contracts';
import { type ServerPins, toolVerdict } from './tool-verdict';

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);
const C = 'c'.repeat(64);
const pins = (tools: ToolPin[], overrides: Partial<ServerPins> = {}): ServerPins => ({
  installationId: '0190f5c2-0000-7000-8000-000000000001',
  pinned: true,
  newToolsNeedApproval: true,
  tools: new Map(tools.map((t) => [t.name, t])),
  ...overrides,
});

describe(toolVerdict.name, () => {
  it('should serve a tool whose hash is its pin, without reporting it', () => {
    expect(toolVerdict(pins([{ name: 'echo', hash: A, approvedHash: A, status: 'approved' }]), 'echo', A)).toEqual({
      allowed: true,
      report: false,
    });
  });

  it('should withhold a changed definition and report it once the registry does not know it yet', () => {
    const verdict = toolVerdict(pins([{ name: 'echo', hash: A, approvedHash: A, status: 'approved' }]), 'echo', B);
    expect(verdict).toMatchObject({ allowed: false, report: true, approvedHash: A });
    expect(verdict.allowed === false && verdict.reason).toMatch(/changed since it was approved/);
  });

  it('should withhold without reporting again a change the registry already recorded', () => {
    expect(
      toolVerdict(pins([{ name: 'echo', hash: B, approvedHash: A, status: 'withheld' }]), 'echo', B),
    ).toMatchObject({ allowed: false, report: false });
    expect(
      toolVerdict(pins([{ name: 'echo', hash: B, approvedHash: A, status: 'withheld' }]), 'echo', C),
    ).toMatchObject({ allowed: false, report: true });
  });

  it('should serve again a server that went back to the approved definition', () => {
    expect(toolVerdict(pins([{ name: 'echo', hash: B, approvedHash: A, status: 'withheld' }]), 'echo', A)).toEqual({
      allowed: true,
      report: false,
    });
  });

  it('should hold a new tool for approval when the entry asks for it, and pin it on sight when not', () => {
    const verdict = toolVerdict(pins([]), 'fresh', A);
    expect(verdict).toMatchObject({ allowed: false, report: true, approvedHash: null });
    expect(verdict.allowed === false && verdict.reason).toMatch(/new on this server/);
    expect(toolVerdict(pins([], { newToolsNeedApproval: false }), 'fresh', A)).toEqual({ allowed: true, report: true });
    expect(
      toolVerdict(pins([{ name: 'fresh', hash: A, approvedHash: null, status: 'pending' }]), 'fresh', A),
    ).toMatchObject({ allowed: false, report: false });
  });

  it('should trust and report every tool of an installation that was never pinned (first use)', () => {
    expect(toolVerdict(pins([], { pinned: false }), 'any', A)).toEqual({ allowed: true, report: true });
  });
});
