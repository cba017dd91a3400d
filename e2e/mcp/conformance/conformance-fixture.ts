import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { REPO_ROOT } from '@portcullis/testing';
import { stringify } from 'yaml';

/** The fixture the suite's scenarios expect; runs as is on Node 24 (type stripping). */
export const FIXTURE = join(REPO_ROOT, 'e2e/mcp/conformance/fixture-server.ts');

export const SERVER_ID = 'conformance';
export const GATEWAY_ALWAYS = 'conformance-always';
export const GATEWAY_NEVER = 'conformance-never';

/** The fixture over Streamable HTTP on loopback: the direct baseline. */
export async function startFixtureOverHttp(): Promise<{ url: string; stop(): Promise<void> }> {
  const child = spawn(process.execPath, ['--no-warnings', FIXTURE, '--http', '0'], {
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
 * A `portcullis.yaml` declaring the fixture as a local (sandboxed, stdio) server and two gateways over it, one per
 * prefix mode the comparison needs. The sandbox mounts an absolute command's file read-only and finds `node` (the
 * fixture's `#!/usr/bin/env node`) through PATH, so PATH leads to the platform's own Node 24 first.
 */
export function writePortcullisFile(path: string): void {
  accessSync(FIXTURE, constants.X_OK); // the sandbox execs the file itself
  const file = {
    version: 1,
    servers: [
      {
        id: SERVER_ID,
        name: 'MCP conformance fixture',
        runtime: {
          type: 'local',
          command: FIXTURE,
          env: { PATH: `${dirname(process.execPath)}:/usr/local/bin:/usr/bin:/bin`, NODE_OPTIONS: '--no-warnings' },
          // Every scenario opens sessions of its own and most never close them; reap them soon after.
          limits: { idleTimeoutSeconds: 15 },
        },
      },
    ],
    gateways: [
      { id: GATEWAY_ALWAYS, name: 'Conformance, prefixed names', prefixMode: 'always', servers: [SERVER_ID] },
      { id: GATEWAY_NEVER, name: 'Conformance, original names', prefixMode: 'never', servers: [SERVER_ID] },
    ],
  };
  writeFileSync(path, stringify(file));
}
