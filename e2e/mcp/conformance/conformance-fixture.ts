import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { REPO_ROOT } from '@portcullis/testing';
import { stringify } from 'yaml';
import type { RequirementSet } from './conformance-runner';

/** A fixture the suite's scenarios expect (runs as is on Node 24, type stripping), as a server behind two gateways. */
export interface Fixture {
  file: string;
  server: string;
  /** Gateway with prefix mode `always` (the per-server endpoint is compared there). */
  always: string;
  /** Gateway with prefix mode `never` (the aggregated endpoint, original names). */
  never: string;
}

/**
 * One fixture per requirement set. 2025-11-25 keeps the SDK v1 fixture, whose sessionful Streamable HTTP serves the
 * stateful scenarios (resumable streams, subscriptions, log levels); 2026-07-28 needs SDK v2, which serves the
 * stateless revision directly and the same handlers to the gateway over a 2025-11-25 stdio connection.
 */
export const FIXTURES: Record<RequirementSet, Fixture> = {
  '2025-11-25': {
    file: join(REPO_ROOT, 'e2e/mcp/conformance/fixture-server.ts'),
    server: 'conformance',
    always: 'conformance-always',
    never: 'conformance-never',
  },
  '2026-07-28': {
    file: join(REPO_ROOT, 'e2e/mcp/conformance/fixture-server-v2.ts'),
    server: 'conformance-v2',
    always: 'conformance-v2-always',
    never: 'conformance-v2-never',
  },
};

/** A fixture over Streamable HTTP on loopback: the direct baseline. */
export async function startFixtureOverHttp(fixture: Fixture): Promise<{ url: string; stop(): Promise<void> }> {
  const child = spawn(process.execPath, ['--no-warnings', fixture.file, '--http', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.once('line', (line) => resolve((JSON.parse(line) as { url: string }).url));
    child.once('exit', (code) => reject(new Error(`fixture exited with ${code} before listening: ${stderr}`)));
  });
  return { url, stop: () => stopChild(child) };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

/**
 * A `portcullis.yaml` declaring each fixture as a local (sandboxed, stdio) server and two gateways over it, one per
 * prefix mode the comparison needs. The sandbox mounts an absolute command's file read-only and finds `node` (the
 * fixture's `#!/usr/bin/env node`) through PATH, so PATH leads to the platform's own Node 24 first.
 */
export function writePortcullisFile(path: string): void {
  const fixtures = Object.values(FIXTURES);
  for (const { file } of fixtures) accessSync(file, constants.X_OK); // the sandbox execs the file itself
  const file = {
    version: 1,
    servers: fixtures.map((fixture) => ({
      id: fixture.server,
      name: `MCP conformance fixture (${fixture.server})`,
      runtime: {
        type: 'local',
        command: fixture.file,
        env: { PATH: `${dirname(process.execPath)}:/usr/local/bin:/usr/bin:/bin`, NODE_OPTIONS: '--no-warnings' },
        // Every scenario opens sessions of its own and most never close them; reap them soon after.
        limits: { idleTimeoutSeconds: 15 },
      },
    })),
    gateways: fixtures.flatMap((fixture) => [
      {
        id: fixture.always,
        name: `${fixture.server}, prefixed names`,
        prefixMode: 'always',
        servers: [fixture.server],
      },
      { id: fixture.never, name: `${fixture.server}, original names`, prefixMode: 'never', servers: [fixture.server] },
    ]),
  };
  writeFileSync(path, stringify(file));
}
