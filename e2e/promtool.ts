import { spawnSync } from 'node:child_process';

/** Runs Prometheus' own linter (`promtool check metrics`, Debian package `prometheus`) on exposition text. */
export function promtoolCheckMetrics(text: string): { ok: boolean; output: string } {
  const result = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  if (result.error) throw new Error(`promtool is not installed (apt-get install prometheus): ${result.error.message}`);
  return { ok: result.status === 0, output: `${result.stdout}${result.stderr}`.trim() };
}
