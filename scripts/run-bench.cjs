'use strict';
// `npm run bench [name…]`: makes the infrastructure reachable, builds, then runs each benchmark
// (dist/bench/<area>/<area>.bench.js) in its own process, one after the other so they do not disturb each other.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { ensureInfra } = require('./lib/infra.cjs');
const { build } = require('./build.cjs');

const ROOT = path.join(__dirname, '..');

async function main(selected) {
  fs.mkdirSync(path.join(ROOT, 'tmp'), { recursive: true });
  const infra = await ensureInfra({ dataDir: path.join(ROOT, '.data') });
  try {
    build();
    const areas = fs
      .readdirSync(path.join(ROOT, 'dist', 'bench'), { withFileTypes: true })
      .filter((d) => d.isDirectory() && fs.existsSync(path.join(ROOT, 'dist', 'bench', d.name, `${d.name}.bench.js`)))
      .map((d) => d.name)
      .filter((name) => selected.length === 0 || selected.includes(name));
    if (areas.length === 0) throw new Error(`no benchmark matches ${selected.join(', ')}`);
    let failed = 0;
    for (const area of areas) {
      process.stdout.write(`\n▶ bench ${area}\n`);
      const result = spawnSync(process.execPath, [path.join(ROOT, 'dist', 'bench', area, `${area}.bench.js`)], {
        cwd: ROOT,
        stdio: 'inherit',
        env: { ...process.env, NATS_URL: infra.natsUrl, DATABASE_URL: infra.databaseUrl, REDIS_URL: infra.redisUrl },
      });
      if (result.status !== 0) failed++;
    }
    return failed === 0 ? 0 : 1;
  } finally {
    await infra.stop();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`${error.stack ?? error}\n`);
    process.exit(1);
  },
);
