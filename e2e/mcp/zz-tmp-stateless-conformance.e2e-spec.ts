import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPlatform, type TestPlatform } from '@portcullis/testing';
import { BearerProxy } from './conformance/bearer-proxy';
import { GATEWAY_NEVER, GATEWAY_ALWAYS, SERVER_ID, startFixtureOverHttp, writePortcullisFile } from './conformance/conformance-fixture';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
const CLI = join(process.cwd(), 'node_modules/@modelcontextprotocol/conformance/dist/index.js');
function runCli(url: string, dir: string) {
  let output = '';
  try {
    output = execFileSync(process.execPath, [CLI, 'server', '--url', url, '--requirements', '2026-07-28', '--output-dir', dir, '--timeout', '20000'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  } catch (e) {
    output = String((e as { stdout?: string }).stdout ?? '') + String((e as { stderr?: string }).stderr ?? '');
  }
  const scenarios: Record<string, Record<string, string>> = {};
  for (const entry of existsSync(dir) ? readdirSync(dir) : []) {
    const m = /^server-(.+)-\d{4}-\d{2}-\d{2}T[\d-]+Z$/.exec(entry);
    if (!m) continue;
    const f = join(dir, entry, 'checks.json');
    if (!existsSync(f)) { scenarios[m[1]] = { '(no checks.json)': 'MISSING' }; continue; }
    const checks = JSON.parse(readFileSync(f, 'utf8')) as { id: string; status: string; errorMessage?: string }[];
    scenarios[m[1]] = Object.fromEntries(checks.map((c) => [c.id, c.status + (c.errorMessage ? ': ' + c.errorMessage.slice(0, 200) : '')]));
  }
  return { output: output.slice(-3000), scenarios };
}

describe('tmp: conformance 2026-07-28', () => {
  let platform: TestPlatform;
  let fixture: Awaited<ReturnType<typeof startFixtureOverHttp>>;
  let proxy: BearerProxy;
  let workDir: string;
  beforeAll(async () => {
    workDir = mkdtempSync(join(tmpdir(), 'pc-conf26-'));
    const file = join(workDir, 'portcullis.yaml');
    writePortcullisFile(file);
    fixture = await startFixtureOverHttp();
    platform = await startPlatform({ only: ['gateway', 'orchestrator'], env: { PORTCULLIS_FILE: file, ORCHESTRATOR_MAX_INSTANCES: '64' } });
    proxy = new BearerProxy(new URL(platform.url('gateway')), platform.adminToken);
  }, 120_000);
  afterAll(async () => {
    await proxy?.stop();
    await platform?.stop();
    await fixture?.stop();
    rmSync(workDir, { recursive: true, force: true });
  });
  it('runs', async () => {
    const proxyUrl = await proxy.start();
    const out: Record<string, unknown> = {};
    for (const [name, url] of [
      ['direct', fixture.url],
      ['per-server', `${proxyUrl}/v1/mcp/${GATEWAY_ALWAYS}/servers/${SERVER_ID}`],
      ['aggregated', `${proxyUrl}/v1/mcp/${GATEWAY_NEVER}`],
    ] as const) {
      out[name] = runCli(url, join(platform.logDir, 'conf26', name));
    }
    writeFileSync('/tmp/conf26.json', JSON.stringify(out, null, 2));
  }, 900_000);
});
