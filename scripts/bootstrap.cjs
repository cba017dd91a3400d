'use strict';
// Entry point of `npm start`, `npm test` and `npm run bench` on a fresh clone. It runs under whatever Node
// the machine has (>= 18), so it uses the standard library only: install packages when node_modules is
// missing or stale, make sure the system binaries the tests need exist, then hand over to the project's
// own Node 24 (the `node` devDependency) for everything else.
const { spawn, spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const STAMP = path.join(ROOT, 'node_modules', '.portcullis-install-stamp');
const NODE_MAJOR = 24;

const MODES = {
  start: 'scripts/launcher.cjs',
  test: 'scripts/run-tests.cjs',
  bench: 'scripts/run-bench.cjs',
};

// Binaries the test suite drives, and the Debian package that provides each.
const TEST_BINARIES = {
  chromium: 'chromium',
  promtool: 'prometheus',
  bwrap: 'bubblewrap',
  'nats-server': 'nats-server',
  'redis-server': 'redis-server',
  'docker-compose': 'docker-compose',
};

// Debian puts server binaries in sbin, which is not on a normal user's PATH.
const EXTRA_BIN_DIRS = ['/usr/local/sbin', '/usr/sbin', '/sbin'];

/** Hash of the file that pins the dependency tree. */
function lockHash(root = ROOT) {
  const lock = path.join(root, 'package-lock.json');
  const file = fs.existsSync(lock) ? lock : path.join(root, 'package.json');
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/**
 * Whether node_modules matches the lock. 'adopt' covers a tree npm installed by hand after the lock last
 * changed (npm records that in its hidden lockfile): it is in sync, so we stamp it instead of reinstalling.
 * @param {{ hasNodeModules: boolean, stampHash: string | null, lockHash: string, npmRecordIsNewer: boolean }} s
 * @returns {'missing' | 'fresh' | 'adopt' | 'stale'}
 */
function installState(s) {
  if (!s.hasNodeModules) return 'missing';
  if (s.stampHash === s.lockHash) return 'fresh';
  return s.npmRecordIsNewer ? 'adopt' : 'stale';
}

/** Reads the facts installState() decides on from a checkout. */
function inspectInstall(root = ROOT) {
  const nodeModules = path.join(root, 'node_modules');
  const stampFile = path.join(nodeModules, '.portcullis-install-stamp');
  const npmRecord = path.join(nodeModules, '.package-lock.json');
  const lock = path.join(root, 'package-lock.json');
  const mtime = (f) => (fs.existsSync(f) ? fs.statSync(f).mtimeMs : null);
  const recordTime = mtime(npmRecord);
  const lockTime = mtime(lock);
  return {
    hasNodeModules: fs.existsSync(nodeModules),
    stampHash: fs.existsSync(stampFile) ? fs.readFileSync(stampFile, 'utf8').trim() : null,
    lockHash: lockHash(root),
    npmRecordIsNewer: recordTime !== null && lockTime !== null && recordTime >= lockTime,
  };
}

function run(cmd, args, opts = {}) {
  const res = spawnSync(cmd, args, { stdio: 'inherit', cwd: ROOT, ...opts });
  if (res.error) throw new Error(`could not run ${cmd}: ${res.error.message}`);
  if (res.status !== 0) throw new Error(`${[cmd, ...args].join(' ')} failed with exit code ${res.status}`);
}

function ensurePackages(log = console.log) {
  const facts = inspectInstall();
  const state = installState(facts);
  if (state === 'fresh') return;
  if (state !== 'adopt') {
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const flags = ['--no-audit', '--no-fund'];
    if (!fs.existsSync(path.join(ROOT, 'package-lock.json'))) {
      log(`node_modules is ${state}; running npm install`);
      run(npm, ['install', ...flags]);
    } else {
      log(`node_modules is ${state}; running npm ci`);
      try {
        run(npm, ['ci', ...flags]);
      } catch {
        // npm ci also refuses a lock that lacks other platforms' optional packages (as one written against a
        // registry mirror that serves only this platform's does); npm install accepts it and leaves it as is.
        log('npm ci failed; trying npm install --no-save, which installs from the same lock');
        run(npm, ['install', '--no-save', ...flags]);
      }
    }
  }
  fs.writeFileSync(STAMP, `${facts.lockHash}\n`);
}

/** The project's Node: the `node` devDependency, or this process when it already is that major. */
function projectNode() {
  const local = path.join(ROOT, 'node_modules', '.bin', process.platform === 'win32' ? 'node.cmd' : 'node');
  const candidate = fs.existsSync(local) ? local : process.execPath;
  const version = spawnSync(candidate, ['--version'], { encoding: 'utf8' }).stdout.trim();
  if (Number(version.slice(1).split('.')[0]) !== NODE_MAJOR) {
    throw new Error(
      `need Node ${NODE_MAJOR} from the "node" devDependency (node_modules/.bin/node); ` +
        `found ${version || 'nothing'} at ${candidate}. Run: npm ci`,
    );
  }
  return candidate;
}

/** Absolute path of an executable, or null. */
function which(bin, envPath = process.env.PATH || '') {
  for (const dir of [...envPath.split(path.delimiter).filter(Boolean), ...EXTRA_BIN_DIRS]) {
    const file = path.join(dir, bin);
    try {
      fs.accessSync(file, fs.constants.X_OK);
      if (fs.statSync(file).isFile()) return file;
    } catch {
      // not here; keep looking
    }
  }
  return null;
}

/** The apt-get invocation that installs packages, and whether we may run it ourselves. */
function aptPlan(
  packages,
  { isRoot = process.getuid?.() === 0, ci = process.env.CI === 'true', hasSudo = !!which('sudo') } = {},
) {
  const install = ['apt-get', 'install', '-y', '--no-install-recommends', ...packages];
  if (isRoot) return { auto: true, prefix: [], command: install.join(' ') };
  if (ci && hasSudo) return { auto: true, prefix: ['sudo', '-n'], command: `sudo ${install.join(' ')}` };
  return { auto: false, prefix: ['sudo'], command: `sudo apt-get update && sudo ${install.join(' ')}` };
}

let aptUpdated = false;

/**
 * Makes sure each binary exists, installing its Debian package when we are root or in CI.
 * @param {Record<string, string>} binaries binary name → Debian package
 * @param {(message: string) => void} [log]
 * @param {{ isRoot?: boolean, ci?: boolean, hasSudo?: boolean }} [who] who we are; detected when left out
 * @returns {Record<string, string>} binary name → absolute path
 */
function ensureBinaries(binaries, log = console.log, who = {}) {
  const missing = Object.keys(binaries).filter((bin) => !which(bin));
  if (missing.length) {
    const packages = [...new Set(missing.map((bin) => binaries[bin]))];
    const plan = aptPlan(packages, who);
    if (!plan.auto) {
      throw new Error(`missing ${missing.join(', ')}; install with:\n  ${plan.command}`);
    }
    log(`installing ${packages.join(', ')} (for ${missing.join(', ')})`);
    const apt = (...args) => {
      const argv = [...plan.prefix, 'apt-get', ...args];
      run(argv[0], argv.slice(1), { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    };
    if (!aptUpdated) apt('update');
    aptUpdated = true;
    apt('install', '-y', '--no-install-recommends', ...packages);
  }
  const found = {};
  for (const bin of Object.keys(binaries)) {
    const file = which(bin);
    if (!file) throw new Error(`${bin} is still missing after installing ${binaries[bin]}`);
    found[bin] = file;
  }
  return found;
}

/** Runs the child, passing our signals on, and leaves with its exit code. */
function handOver(node, script, args) {
  const child = spawn(node, [script, ...args], { stdio: 'inherit', cwd: ROOT });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? 128 + (os.constants.signals[signal] || 1)));
}

function main([mode, ...args]) {
  if (!MODES[mode]) {
    console.error(`usage: node scripts/bootstrap.cjs <${Object.keys(MODES).join('|')}> [args…]`);
    process.exit(2);
  }
  const log = (msg) => console.log(`[bootstrap] ${msg}`);
  try {
    ensurePackages(log);
    const node = projectNode();
    if (mode === 'test') ensureBinaries(TEST_BINARIES, log);
    handOver(node, path.join(ROOT, MODES[mode]), args);
  } catch (err) {
    console.error(`[bootstrap] ${err.message}`);
    process.exit(1);
  }
}

if (require.main === module) main(process.argv.slice(2));

module.exports = { installState, inspectInstall, lockHash, aptPlan, which, ensureBinaries, TEST_BINARIES };
