import { CallActivity } from './call-activity';

describe(CallActivity.name, () => {
  it('should count idle time from the last answer, and none while a request is unanswered', () => {
    const activity = new CallActivity();
    activity.sent({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'slow' } });
    expect(activity.idleFor(Date.now() + 60_000)).toBe(0);

    activity.received({ jsonrpc: '2.0', id: 1, result: { content: [] } });
    expect(activity.idleFor(Date.now() + 60_000)).toBeGreaterThanOrEqual(59_000);
  });

  it('should not let server notifications or unrelated answers count as activity', () => {
    const activity = new CallActivity();
    const start = Date.now();
    activity.received({ jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: 'x' } });
    activity.received({ jsonrpc: '2.0', id: 99, result: {} });
    expect(activity.idleFor(start + 10_000)).toBeGreaterThanOrEqual(9_000);
  });

  it('should forget unanswered requests of a process that is gone', () => {
    const activity = new CallActivity();
    activity.sent({ jsonrpc: '2.0', id: 'a', method: 'tools/call', params: { name: 'slow' } });
    activity.reset();
    expect(activity.idleFor(Date.now() + 1_000)).toBeGreaterThanOrEqual(900);
  });
});
