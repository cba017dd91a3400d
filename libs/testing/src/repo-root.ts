import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The repository root, found from this file whether it runs as source (jest) or compiled under dist/. */
function findRoot(start: string): string {
  for (let dir = start; dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'scripts', 'lib', 'services.cjs'))) return dir;
  }
  throw new Error(`cannot find the repository root above ${start}`);
}

export const REPO_ROOT = findRoot(__dirname);
