'use strict';
// Compiles libs/, services/ and bench/ with SWC into dist/, keeping the folder layout so the relative paths SWC
// writes for @portcullis/* aliases resolve at run time, then writes the contracts' JSON Schemas.
const { execFileSync } = require('node:child_process');
const { rmSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);

function build() {
  const started = Date.now();
  rmSync(join(root, 'dist', 'libs'), { recursive: true, force: true });
  rmSync(join(root, 'dist', 'services'), { recursive: true, force: true });
  rmSync(join(root, 'dist', 'bench'), { recursive: true, force: true });
  execFileSync(
    bin('swc'),
    ['libs', 'services', 'bench', '-d', 'dist', '--config-file', '.swcrc', '--only', '**/*.ts', '--ignore', '**/*.spec.ts,**/*.integration-spec.ts,**/*.e2e-spec.ts', '--quiet'],
    { cwd: root, stdio: 'inherit' },
  );
  execFileSync(process.execPath, [join(root, 'dist/libs/contracts/src/generate-json-schemas.js'), join(root, 'dist/schemas')], {
    cwd: root,
    stdio: 'inherit',
  });
  process.stdout.write(`built libs, services and bench in ${Date.now() - started} ms\n`);
}

if (require.main === module) build();
module.exports = { build };
