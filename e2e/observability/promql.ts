import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '@portcullis/testing';
import { parse } from 'yaml';

export const PROMETHEUS_DIR = join(REPO_ROOT, 'deploy', 'prometheus');
export const DASHBOARD_FILE = join(REPO_ROOT, 'deploy', 'grafana', 'portcullis-dashboard.json');
export const RULES_FILE = join(PROMETHEUS_DIR, 'rules', 'portcullis-alerts.yml');

/** Series Prometheus makes itself for every target. */
const SYNTHETIC = new Set(['up', 'scrape_duration_seconds', 'scrape_samples_scraped', 'scrape_series_added']);

const KEYWORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'offset',
  'and',
  'or',
  'unless',
  'inf',
  'nan',
]);

/** A Grafana query made plain PromQL: its variables replaced by values any Prometheus accepts. */
export function grafanaToPromQL(expr: string): string {
  return expr
    .replace(/\$__rate_interval|\$\{__rate_interval\}|\$__interval|\$\{__interval\}/g, '1m')
    .replace(/\$\{?(\w+)\}?/g, '.*');
}

/** The metric names a PromQL expression reads (functions, keywords, labels and literals left out). */
export function metricNamesIn(expr: string): string[] {
  const bare = grafanaToPromQL(expr)
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names = new Set<string>();
  for (const match of bare.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)) {
    const word = match[0];
    const rest = bare.slice(match.index + word.length);
    if (/^\s*\(/.test(rest) || KEYWORDS.has(word.toLowerCase())) continue;
    if (/\d$/.test(bare.slice(0, match.index))) continue; // 1e3, 5m
    names.add(word);
  }
  return [...names];
}

interface DashboardPanel {
  title?: string;
  targets?: { expr?: string }[];
  panels?: DashboardPanel[];
}

/** Every PromQL query of the dashboard: panel targets and the variables' `label_values(<selector>, label)`. */
export function dashboardQueries(): { where: string; expr: string }[] {
  const dashboard = JSON.parse(readFileSync(DASHBOARD_FILE, 'utf8')) as {
    panels: DashboardPanel[];
    templating: { list: { name: string; type: string; query?: unknown }[] };
  };
  const queries: { where: string; expr: string }[] = [];
  const walk = (panels: DashboardPanel[]) => {
    for (const panel of panels) {
      for (const target of panel.targets ?? [])
        if (target.expr) queries.push({ where: `panel "${panel.title}"`, expr: target.expr });
      walk(panel.panels ?? []);
    }
  };
  walk(dashboard.panels);
  for (const variable of dashboard.templating.list) {
    if (variable.type !== 'query') continue;
    const query = (variable.query as { query?: string } | string | undefined) ?? '';
    const text = typeof query === 'string' ? query : (query.query ?? '');
    const selector = /^label_values\((.+),\s*\w+\)$/.exec(text)?.[1];
    if (!selector) throw new Error(`variable ${variable.name}: expected label_values(<selector>, <label>)`);
    queries.push({ where: `variable $${variable.name}`, expr: selector });
  }
  return queries;
}

/** Every expression of the alerting and recording rules. */
export function ruleQueries(): { where: string; expr: string }[] {
  const rules = parse(readFileSync(RULES_FILE, 'utf8')) as {
    groups: { rules: { alert?: string; record?: string; expr: string }[] }[];
  };
  return rules.groups.flatMap((g) => g.rules.map((r) => ({ where: `rule ${r.alert ?? r.record}`, expr: r.expr })));
}

/** Metric names the queries read that are not Prometheus' own per-target series. */
export function namesUsed(queries: { where: string; expr: string }[]): Map<string, string[]> {
  const used = new Map<string, string[]>();
  for (const { where, expr } of queries)
    for (const name of metricNamesIn(expr)) {
      if (SYNTHETIC.has(name)) continue;
      used.set(name, [...(used.get(name) ?? []), where]);
    }
  return used;
}

/** Sample names of a metric family as the exposition format writes them. */
export function sampleNames(name: string, type: string): string[] {
  if (type === 'histogram') return [`${name}_bucket`, `${name}_sum`, `${name}_count`];
  if (type === 'summary') return [name, `${name}_sum`, `${name}_count`];
  return [name];
}

/** Families declared with `# TYPE` in Prometheus text (labelled families appear before their first sample). */
export function exposedFamilies(text: string): Map<string, string> {
  const families = new Map<string, string>();
  for (const match of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) families.set(match[1], match[2]);
  return families;
}

/** Source files of the platform's libs and services (tests excluded). */
export function sourceFiles(): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules' && entry.name !== 'fixtures') walk(path);
      } else if (/\.ts$/.test(entry.name) && !/\.(spec|integration-spec|e2e-spec)\.ts$/.test(entry.name)) {
        files.push(path);
      }
    }
  };
  for (const top of ['libs', 'services'])
    for (const project of readdirSync(join(REPO_ROOT, top), { withFileTypes: true }))
      if (project.isDirectory()) {
        const src = join(REPO_ROOT, top, project.name, 'src');
        try {
          walk(src);
        } catch {
          // a project without src/
        }
      }
  return files;
}

/** `new Counter|Gauge|Histogram|Summary({ name: '…' })` in the platform's sources: name → type. */
export function declaredFamilies(): Map<string, string> {
  const families = new Map<string, string>();
  const pattern = /new (Counter|Gauge|Histogram|Summary)\s*(?:<[^>]*>)?\s*\(\s*\{\s*name:\s*'([A-Za-z_:][\w:]*)'/g;
  for (const file of sourceFiles())
    for (const match of readFileSync(file, 'utf8').matchAll(pattern)) families.set(match[2], match[1].toLowerCase());
  return families;
}
