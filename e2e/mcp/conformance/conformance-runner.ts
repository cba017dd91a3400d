import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '@portcullis/testing';
import { parse } from 'yaml';

const PACKAGE = join(REPO_ROOT, 'node_modules/@modelcontextprotocol/conformance');
const CLI = join(PACKAGE, 'dist/index.js');

/** The requirement sets the suite knows; a run takes exactly the scenarios one of them requires. */
export type RequirementSet = '2025-11-25' | '2026-07-28';

export type CheckStatus = 'SUCCESS' | 'FAILURE' | 'WARNING' | 'INFO' | 'SKIPPED';

export interface ConformanceCheck {
  id: string;
  name: string;
  status: CheckStatus;
  errorMessage?: string;
}

export interface ConformanceRun {
  url: string;
  requirements: RequirementSet;
  /** Scenario name → the checks it reported, in order. */
  scenarios: Map<string, ConformanceCheck[]>;
  durationMs: number;
  /** What the CLI printed, for a failure message. */
  output: string;
}

/** Worst first: the verdict of a check reported more than once is its worst status. */
const SEVERITY: CheckStatus[] = ['FAILURE', 'WARNING', 'SKIPPED', 'SUCCESS', 'INFO'];

/**
 * Runs the official suite (server mode) against one MCP endpoint: every scenario of the requirement set in one CLI
 * invocation, results written as `<dir>/server-<scenario>-<timestamp>/checks.json` and read back from there. The
 * CLI's exit code only says whether something failed, so it is not an error; no results at all is.
 */
export async function runConformance(options: {
  url: string;
  requirements: RequirementSet;
  outputDir: string;
  scenarioTimeoutMs?: number;
}): Promise<ConformanceRun> {
  mkdirSync(options.outputDir, { recursive: true });
  const args = [
    CLI,
    'server',
    '--url',
    options.url,
    '--requirements',
    options.requirements,
    '--output-dir',
    options.outputDir,
    '--timeout',
    String(options.scenarioTimeoutMs ?? 20_000),
  ];
  const started = Date.now();
  const output = await new Promise<string>((resolve, reject) => {
    execFile(
      process.execPath,
      args,
      { cwd: REPO_ROOT, maxBuffer: 64 * 1024 * 1024, timeout: 10 * 60_000 },
      (error, stdout, stderr) => {
        const text = `${stdout}${stderr}`;
        // A non-zero exit with a code means "some check failed"; a signal or spawn failure means no run at all.
        if (error && typeof error.code !== 'number') reject(new Error(`conformance CLI did not run: ${error.message}`));
        else resolve(text);
      },
    );
  });
  const scenarios = readResults(options.outputDir);
  if (scenarios.size === 0) throw new Error(`the conformance CLI wrote no results for ${options.url}:\n${output}`);
  return { url: options.url, requirements: options.requirements, scenarios, durationMs: Date.now() - started, output };
}

/**
 * Scenarios a requirement set runs for visibility but never scores (extensions, pending ones): the frozen
 * `requirements/<set>.yaml` of the installed suite names them under `not_scored`.
 */
export function notScored(requirements: RequirementSet): Set<string> {
  const file = parse(readFileSync(join(PACKAGE, 'requirements', `${requirements}.yaml`), 'utf8')) as {
    not_scored?: { scenario: string; leg: string }[];
  };
  return new Set((file.not_scored ?? []).filter((entry) => entry.leg === 'server').map((entry) => entry.scenario));
}

/** Reads every `server-<scenario>-<ISO time>/checks.json` below `dir`. */
export function readResults(dir: string): Map<string, ConformanceCheck[]> {
  const scenarios = new Map<string, ConformanceCheck[]>();
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const match = /^server-(.+)-\d{4}-\d{2}-\d{2}T[\d-]+Z$/.exec(entry.name);
    if (!entry.isDirectory() || !match) continue;
    const file = join(dir, entry.name, 'checks.json');
    // The CLI makes a scenario's folder before running it; a folder without checks means it never reported.
    const checks = existsSync(file)
      ? (JSON.parse(readFileSync(file, 'utf8')) as ConformanceCheck[])
      : [{ id: 'no-results', name: 'NoResults', status: 'FAILURE' as const, errorMessage: 'no checks.json written' }];
    scenarios.set(
      match[1],
      checks.map(({ id, name, status, errorMessage }) => ({ id, name, status, errorMessage })),
    );
  }
  return scenarios;
}

/**
 * One verdict per check: `scenario › check id` → its worst status. INFO entries are the suite's trace of the
 * exchange (requests sent, events seen) and count only when a check reported nothing else.
 */
export function verdicts(run: ConformanceRun): Map<string, CheckStatus> {
  const out = new Map<string, CheckStatus>();
  for (const [scenario, checks] of run.scenarios) {
    for (const check of checks) {
      const key = `${scenario} › ${check.id}`;
      const seen = out.get(key);
      if (!seen || SEVERITY.indexOf(check.status) < SEVERITY.indexOf(seen)) out.set(key, check.status);
    }
  }
  return new Map([...out].sort(([a], [b]) => a.localeCompare(b)));
}

/** Checks that did not pass, with the suite's reason, for assertion messages; `except` names scenarios to leave out. */
export function problems(run: ConformanceRun, except: ReadonlySet<string> = new Set()): string[] {
  return [...run.scenarios]
    .filter(([scenario]) => !except.has(scenario))
    .flatMap(([scenario, checks]) =>
      checks
        .filter((c) => c.status === 'FAILURE' || c.status === 'WARNING')
        .map((c) => `${scenario} › ${c.id}: ${c.status}${c.errorMessage ? ` (${c.errorMessage})` : ''}`),
    );
}

/** Per scenario: checks passed / checks scored, the numbers of the results table. */
export function tally(run: ConformanceRun): { scenarios: number; passed: number; scored: number } {
  const all = [...verdicts(run).values()].filter((s) => s !== 'INFO' && s !== 'SKIPPED');
  return { scenarios: run.scenarios.size, passed: all.filter((s) => s === 'SUCCESS').length, scored: all.length };
}
