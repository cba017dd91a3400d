import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { catalogueJsonSchemas } from './json-schema/catalogue-json-schemas';

/** Build step: writes every contract's JSON Schema below the folder given as the first argument. */
function main(outDir: string): void {
  const files = catalogueJsonSchemas();
  for (const file of files) {
    const target = join(outDir, file.path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, `${JSON.stringify(file.schema, null, 2)}\n`);
  }
  writeFileSync(
    join(outDir, 'index.json'),
    `${JSON.stringify(
      files.map((f) => f.path),
      null,
      2,
    )}\n`,
  );
  process.stdout.write(`wrote ${files.length} JSON Schemas to ${outDir}\n`);
}

main(resolve(process.argv[2] ?? 'dist/schemas'));
