import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';

const REPO_ROOT = resolve(__dirname, '../..');
export const CONSOLE_DIST = join(REPO_ROOT, 'dist/web/browser');

/** Builds the console when no build is present, so a fresh checkout runs the test instead of skipping it. */
export function ensureConsoleBuild(): string {
  if (existsSync(join(CONSOLE_DIST, 'index.html'))) {
    return CONSOLE_DIST;
  }
  // Put this Node first on PATH so the Angular CLI runs on the same (supported) Node as Jest.
  const path = [dirname(process.execPath), join(REPO_ROOT, 'node_modules/.bin'), process.env['PATH']].join(delimiter);
  const build = spawnSync('npm', ['run', 'build', '--workspace', '@portcullis/web'], {
    cwd: REPO_ROOT,
    env: { ...process.env, PATH: path, NG_CLI_ANALYTICS: 'false' },
    stdio: 'inherit',
  });
  if (build.status !== 0 || !existsSync(join(CONSOLE_DIST, 'index.html'))) {
    throw new Error(`Console build failed (exit ${String(build.status)}); see the output above.`);
  }
  return CONSOLE_DIST;
}
