import { describeExit } from './describe-exit';

describe('describeExit', () => {
  const at = '2025-01-01T00:00:00.000Z';

  it('should name the signal behind a shell-style exit code of bwrap', () => {
    expect(describeExit({ code: 137, signal: null, at })).toBe('code 137 (SIGKILL)');
  });

  it('should keep plain exit codes and add what the runtime knows', () => {
    expect(describeExit({ code: 3, signal: null, at })).toBe('code 3');
    expect(describeExit({ code: null, signal: 'SIGTERM', at, reason: 'initialize failed: timeout' })).toBe(
      'signal SIGTERM (initialize failed: timeout)',
    );
  });
});
