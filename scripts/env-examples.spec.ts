import * as fs from 'node:fs';
import * as path from 'node:path';
import { describeEnv } from '@portcullis/config';
import type { z } from 'zod';

type ServiceDef = { name: string; port: number; schema: string | null; redis: boolean; publicHttp: boolean };
// eslint-disable-next-line @typescript-eslint/no-require-imports -- plain CommonJS shared with the launcher
const { SERVICES } = require('./lib/services.cjs') as { SERVICES: ServiceDef[]; WEB_PORT: number };

// Each service's .env.example is written by hand for its comments; this keeps its keys and defaults equal
// to what the service's EnvSchema really accepts.

const ROOT = path.join(__dirname, '..');

function readExample(name: string): Record<string, string> {
  const text = fs.readFileSync(path.join(ROOT, 'services', name, '.env.example'), 'utf8');
  return Object.fromEntries(
    text
      .split('\n')
      .filter((line) => line.trim() && !line.startsWith('#'))
      .map((line) => {
        const at = line.indexOf('=');
        return [line.slice(0, at), line.slice(at + 1)];
      }),
  );
}

/** The zod object a service's src/env.ts exports. */
function envSchema(name: string): z.ZodObject {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- chosen by service name at run time
  const exported = require(path.join(ROOT, 'services', name, 'src', 'env.ts')) as Record<string, unknown>;
  const schema = Object.values(exported).find((value) => (value as z.ZodType)?.def?.type === 'object');
  if (!schema) throw new Error(`services/${name}/src/env.ts exports no zod object`);
  return schema as z.ZodObject;
}

describe('services/*/.env.example', () => {
  it.each(SERVICES.map((s) => [s.name, s]))(
    'should list exactly the variables %s accepts, with its defaults',
    (name, def) => {
      const example = readExample(name);
      const docs = describeEnv(envSchema(name));
      expect(Object.keys(example).sort()).toEqual(docs.map((d) => d.key).sort());
      for (const doc of docs) expect([doc.key, example[doc.key]]).toEqual([doc.key, doc.defaultValue ?? '']);
      expect(example.HTTP_PORT).toBe(String(def.port));
      if (def.schema) expect(example.DATABASE_SCHEMA).toBe(def.schema);
    },
  );
});
