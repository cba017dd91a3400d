'use strict';
// `npm test`: makes the infrastructure reachable, builds, type-checks and lints, then runs the three Jest tiers
// (unit + integration in parallel, end-to-end one file at a time) and ends with one "N passed, N failed" line.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { ensureInfra } = require('./lib/infra.cjs');

const ROOT = path.join(__dirname, '..');
const node = process.execPath;
const bin = (pkg, file) => path.join(ROOT, 'node_modules', pkg, file);

function step(name, command, args, env = process.env) {
  const started = Date.now();
  process.stdout.write(`\n▶ ${name}\n`);
  const result = spawnSync(command, args, { cwd: ROOT, stdio: 'inherit', env });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  process.stdout.write(`${result.status === 0 ? '✔' : '✘'} ${name} (${seconds} s)\n`);
  return result.status === 0;
}

function jest(tier, extraArgs, env) {
  const report = path.join(ROOT, 'tmp', `jest-${tier}.json`);
  fs.rmSync(report, { force: true });
  const ok = step(
    `jest ${tier}`,
    node,
    ['--experimental-vm-modules', '--no-warnings', bin('jest', 'bin/jest.js'), '--ci', '--json', '--outputFile', report, ...extraArgs],
    env,
  );
  const counts = fs.existsSync(report) ? JSON.parse(fs.readFileSync(report, 'utf8')) : undefined;
  return {
    ok,
    passed: counts?.numPassedTests ?? 0,
    failed: (counts?.numFailedTests ?? 0) + (counts?.numRuntimeErrorTestSuites ?? 0) + (ok || counts ? 0 : 1),
  };
}

async function main(args) {
  fs.mkdirSync(path.join(ROOT, 'tmp'), { recursive: true });
  const infra = await ensureInfra({ dataDir: path.join(ROOT, '.data', 'test') });
  const env = {
    ...process.env,
    NATS_URL: infra.natsUrl,
    DATABASE_URL: infra.databaseUrl,
    REDIS_URL: infra.redisUrl,
    NODE_ENV: 'test',
  };
  let failedGate = 0;
  try {
    if (args.length > 0) {
      // `npm test -- <jest args>`: just those tests (after a build, which end-to-end tests need).
      if (!step('build', node, [path.join(__dirname, 'build.cjs')], env)) failedGate++;
      const r = jest('selected', ['--maxWorkers=2', ...args], env);
      process.stdout.write(`\n${r.passed} passed, ${r.failed + failedGate} failed\n`);
      return r.failed + failedGate === 0 ? 0 : 1;
    }
    if (!step('build', node, [path.join(__dirname, 'build.cjs')], env)) failedGate++;
    if (!step('build web', 'npm', ['run', 'build', '-w', '@portcullis/web', '--silent'], env)) failedGate++;
    if (!step('typecheck', node, [bin('typescript', 'bin/tsc'), '-b', 'tsconfig.json'], env)) failedGate++;
    if (!step('lint', node, [bin('eslint', 'bin/eslint.js'), '--max-warnings=0', '.'], env)) failedGate++;
    const fast = jest('unit+integration', ['--selectProjects', 'unit', 'integration', '--maxWorkers=2'], env);
    const e2e = jest('e2e', ['--selectProjects', 'e2e', '--runInBand'], env);
    const passed = fast.passed + e2e.passed;
    const failed = fast.failed + e2e.failed + failedGate;
    process.stdout.write(`\n${passed} passed, ${failed} failed\n`);
    return failed === 0 ? 0 : 1;
  } finally {
    await infra.stop();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`${error.stack ?? error}\n`);
    process.stdout.write('\n0 passed, 1 failed\n');
    process.exit(1);
  },
);
