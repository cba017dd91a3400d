import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeEnv } from '@portcullis/config';
import { REPO_ROOT } from '@portcullis/testing';
import type { z } from 'zod';
import { appsEnv } from '../services/apps/src/env';
import { auditEnv } from '../services/audit/src/env';
import { gatewayEnv } from '../services/gateway/src/env';
import { guardEnv } from '../services/guard/src/env';
import { llmProxyEnv } from '../services/llm-proxy/src/env';
import { orchestratorEnv } from '../services/orchestrator/src/env';
import { registryEnv } from '../services/registry/src/env';

const SCHEMAS: [string, z.ZodObject][] = [
  ['gateway', gatewayEnv],
  ['registry', registryEnv],
  ['orchestrator', orchestratorEnv],
  ['llm-proxy', llmProxyEnv],
  ['guard', guardEnv],
  ['audit', auditEnv],
  ['apps', appsEnv],
];

const START = '<!-- config-table:start -->';
const END = '<!-- config-table:end -->';

/** The README's configuration table, computed from the services' env schemas. */
function configTable(): string {
  const rows = new Map<
    string,
    { doc: ReturnType<typeof describeEnv>[number]; services: string[]; defaults: Set<string> }
  >();
  for (const [service, schema] of SCHEMAS) {
    for (const doc of describeEnv(schema)) {
      const row = rows.get(doc.key) ?? { doc, services: [], defaults: new Set<string>() };
      row.services.push(service);
      row.defaults.add(
        doc.defaultValue === undefined ? (doc.required ? '**required**' : '—') : `\`${doc.defaultValue || '(empty)'}\``,
      );
      rows.set(doc.key, row);
    }
  }
  const lines = ['| variable | services | default | meaning |', '|---|---|---|---|'];
  for (const [key, { doc, services, defaults }] of rows) {
    const who = services.length === SCHEMAS.length ? 'all' : services.join(', ');
    lines.push(`| \`${key}\` | ${who} | ${[...defaults].join(' / ')} | ${doc.description.replace(/\|/g, '\\|')} |`);
  }
  return lines.join('\n');
}

describe('README configuration table', () => {
  it('should list every variable of every service as the schemas define them', () => {
    const path = join(REPO_ROOT, 'README.md');
    const readme = readFileSync(path, 'utf8');
    const expected = `${START}\n${configTable()}\n${END}`;
    const current = readme.slice(readme.indexOf(START), readme.indexOf(END) + END.length);
    if (process.env.UPDATE_README === '1') {
      writeFileSync(path, readme.replace(current, expected));
      return;
    }
    expect(current).toBe(expected);
  });
});
