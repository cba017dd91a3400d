import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

type InstallFacts = { hasNodeModules: boolean; stampHash: string | null; lockHash: string; npmRecordIsNewer: boolean };
type Who = { isRoot?: boolean; ci?: boolean; hasSudo?: boolean };
// eslint-disable-next-line @typescript-eslint/no-require-imports -- plain CommonJS: it runs before any TypeScript tooling is installed
const { aptPlan, ensureBinaries, inspectInstall, installState, lockHash, which } = require('./bootstrap.cjs') as {
  installState: (facts: InstallFacts) => 'missing' | 'fresh' | 'adopt' | 'stale';
  inspectInstall: (root?: string) => InstallFacts;
  lockHash: (root?: string) => string;
  aptPlan: (packages: string[], who?: Who) => { auto: boolean; prefix: string[]; command: string };
  ensureBinaries: (
    binaries: Record<string, string>,
    log?: (message: string) => void,
    who?: Who,
  ) => Record<string, string>;
  which: (bin: string, envPath?: string) => string | null;
};

const BOOTSTRAP = path.join(__dirname, 'bootstrap.cjs');

const tempDirs: string[] = [];
const tempDir = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bootstrap-spec-'));
  tempDirs.push(dir);
  return dir;
};

/** A checkout with a lock and, optionally, node_modules as an install would leave it. */
function checkout({ installed, stamp }: { installed: boolean; stamp?: 'current' | 'old' }) {
  const root = tempDir();
  fs.writeFileSync(path.join(root, 'package-lock.json'), '{"lockfileVersion":3,"packages":{}}\n');
  if (installed) {
    fs.mkdirSync(path.join(root, 'node_modules'));
    if (stamp) {
      const hash = stamp === 'current' ? lockHash(root) : 'from-an-older-lock';
      fs.writeFileSync(path.join(root, 'node_modules', '.portcullis-install-stamp'), `${hash}\n`);
    }
  }
  return root;
}

const setMtime = (file: string, secondsAgo: number) => {
  const t = new Date(Date.now() - secondsAgo * 1000);
  fs.utimesSync(file, t, t);
};

describe('bootstrap', () => {
  afterAll(() => tempDirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

  describe(installState.name, () => {
    it('should install when node_modules is missing', () => {
      expect(inspectAndDecide(checkout({ installed: false }))).toBe('missing');
    });

    it('should do nothing when the stamp matches the lock', () => {
      expect(inspectAndDecide(checkout({ installed: true, stamp: 'current' }))).toBe('fresh');
    });

    it('should reinstall when the lock changed since the last install', () => {
      const root = checkout({ installed: true, stamp: 'current' });
      fs.appendFileSync(path.join(root, 'package-lock.json'), ' ');
      expect(inspectAndDecide(root)).toBe('stale');
    });

    it('should reinstall when there is no stamp and npm has no record newer than the lock', () => {
      const root = checkout({ installed: true });
      fs.writeFileSync(path.join(root, 'node_modules', '.package-lock.json'), '{}');
      setMtime(path.join(root, 'node_modules', '.package-lock.json'), 60);
      expect(inspectAndDecide(root)).toBe('stale');
    });

    it('should adopt a tree npm installed by hand after the lock last changed', () => {
      const root = checkout({ installed: true, stamp: 'old' });
      setMtime(path.join(root, 'package-lock.json'), 60);
      fs.writeFileSync(path.join(root, 'node_modules', '.package-lock.json'), '{}');
      expect(inspectAndDecide(root)).toBe('adopt');
    });
  });

  describe(aptPlan.name, () => {
    it('should install directly as root', () => {
      expect(aptPlan(['bubblewrap'], { isRoot: true, ci: false, hasSudo: false })).toEqual({
        auto: true,
        prefix: [],
        command: 'apt-get install -y --no-install-recommends bubblewrap',
      });
    });

    it('should use passwordless sudo in CI', () => {
      expect(aptPlan(['prometheus'], { isRoot: false, ci: true, hasSudo: true })).toMatchObject({
        auto: true,
        prefix: ['sudo', '-n'],
      });
    });

    it('should only tell a developer what to run', () => {
      expect(aptPlan(['prometheus', 'bubblewrap'], { isRoot: false, ci: false, hasSudo: true })).toEqual({
        auto: false,
        prefix: ['sudo'],
        command: 'sudo apt-get update && sudo apt-get install -y --no-install-recommends prometheus bubblewrap',
      });
    });
  });

  describe(ensureBinaries.name, () => {
    it('should name the missing binary and the exact install command when it may not install', () => {
      expect(() =>
        ensureBinaries({ 'portcullis-no-such-tool': 'portcullis-tools' }, () => undefined, {
          isRoot: false,
          ci: false,
        }),
      ).toThrow(
        'missing portcullis-no-such-tool; install with:\n  sudo apt-get update && sudo apt-get install -y --no-install-recommends portcullis-tools',
      );
    });

    it('should return the path of binaries that exist', () => {
      expect(ensureBinaries({ sh: 'dash' })).toEqual({ sh: which('sh') });
    });
  });

  describe(which.name, () => {
    it('should find server binaries in sbin even when PATH leaves it out', () => {
      const dir = tempDir();
      expect(which('nologin', dir)).toBe('/usr/sbin/nologin');
      expect(which('portcullis-no-such-tool', dir)).toBeNull();
    });
  });

  it('should reject an unknown mode with its usage and exit code 2', () => {
    const res = spawnSync(process.execPath, [BOOTSTRAP, 'deploy'], { encoding: 'utf8' });
    expect(res.status).toBe(2);
    expect(res.stderr).toContain('usage: node scripts/bootstrap.cjs <start|test|bench>');
  });
});

function inspectAndDecide(root: string) {
  return installState(inspectInstall(root));
}
