import { humanizeUptime } from './humanize-uptime';

describe(humanizeUptime.name, () => {
  it('should show seconds alone under a minute', () => {
    expect(humanizeUptime(0)).toBe('0s');
    expect(humanizeUptime(42.7)).toBe('42s');
  });

  it('should show the two most significant units', () => {
    expect(humanizeUptime(90)).toBe('1m 30s');
    expect(humanizeUptime(3_725)).toBe('1h 2m');
    expect(humanizeUptime(93_784)).toBe('1d 2h');
  });

  it('should keep a zero second unit so the magnitude stays readable', () => {
    expect(humanizeUptime(3_600)).toBe('1h 0m');
    expect(humanizeUptime(86_400 + 59)).toBe('1d 0h');
  });

  it('should show a dash when the service did not report its uptime', () => {
    expect(humanizeUptime(undefined)).toBe('—');
  });
});
