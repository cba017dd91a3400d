import { CrashHistory } from './crash-history';

describe(CrashHistory.name, () => {
  const policy = { initialDelayMs: 500, maxDelayMs: 3_000, crashLoopThreshold: 5, crashLoopWindowMs: 60_000 };

  it('should double the delay with each crash in the window, up to the maximum', () => {
    let now = 0;
    const history = new CrashHistory({ ...policy, crashLoopThreshold: 10 }, () => now);
    const delays = Array.from({ length: 5 }, () => {
      now += 1_000;
      const verdict = history.record();
      return verdict.crashLoop ? 'loop' : verdict.delayMs;
    });
    expect(delays).toEqual([500, 1_000, 2_000, 3_000, 3_000]);
  });

  it('should call the threshold-th crash within the window a crash loop', () => {
    let now = 0;
    const history = new CrashHistory(policy, () => now);
    const verdicts = Array.from({ length: 5 }, () => {
      now += 100;
      return history.record();
    });
    expect(verdicts.map((verdict) => verdict.crashLoop)).toEqual([false, false, false, false, true]);
    expect(verdicts[4]).toEqual({ crashLoop: true, recentCrashes: 5 });
  });

  it('should forget crashes older than the window, so a server that ran well starts from the shortest delay', () => {
    let now = 0;
    const history = new CrashHistory(policy, () => now);
    for (let i = 0; i < 4; i++) history.record();
    now += 60_000;
    expect(history.record()).toEqual({ crashLoop: false, recentCrashes: 1, delayMs: 500 });
  });
});
