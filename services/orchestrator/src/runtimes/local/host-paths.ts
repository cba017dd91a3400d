import { stat } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * bubblewrap resolves its bind sources as the sandbox's uid. When that is not the owner, every directory on the way
 * must let others through (o+x), or the server would fail to start with a bare "Permission denied".
 * Returns the problem, or undefined when there is none.
 */
export async function traversalProblem(path: string, uidSwitch: boolean): Promise<string | undefined> {
  const target = await stat(path).catch(() => undefined);
  if (!target) return `${path} does not exist`;
  if (!uidSwitch) return undefined;
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    const info = await stat(dir);
    if ((info.mode & 0o001) === 0) {
      return `${dir} (mode ${(info.mode & 0o777).toString(8)}) does not let sandbox users reach ${path}: chmod o+x it`;
    }
    if (dir === '/') return undefined;
  }
}
