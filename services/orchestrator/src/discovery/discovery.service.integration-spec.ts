import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppConfig } from '@portcullis/config';
import type { PortcullisServer } from '@portcullis/contracts';
import pino from 'pino';
import { passableTempDir, REPO_TMP } from '../runtimes/local/fixtures/local-runtime.fixtures';
import { DiscoveryService } from './discovery.service';

const LISTING_SERVER = readFileSync(join(__dirname, 'fixtures', 'listing-server.mjs'), 'utf8');

/** Processes on this host whose command line holds the fixture (the sandboxed server runs it via `node -e`). */
const fixtureProcesses = () =>
  readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('listing-fixture');
      } catch {
        return false;
      }
    });

const listingServer = (env: Record<string, string> = {}): PortcullisServer => ({
  id: 'listing',
  name: 'Listing fixture',
  runtime: {
    type: 'local',
    command: 'node',
    args: ['--input-type=module', '-e', LISTING_SERVER],
    env,
    network: { allow: [] },
    limits: {},
  },
});

describe(DiscoveryService.name, () => {
  let stateDir: Awaited<ReturnType<typeof passableTempDir>>;
  let discovery: DiscoveryService;

  beforeAll(async () => {
    stateDir = await passableTempDir('discovery-', REPO_TMP);
    const config = new AppConfig('orchestrator', {
      ORCHESTRATOR_STATE_DIR: stateDir.path,
      ORCHESTRATOR_UPSTREAM_ALLOWED_HOSTS: [],
      ORCHESTRATOR_UPSTREAM_ALLOWED_CIDRS: [],
    });
    const info = { name: 'orchestrator', version: '0', instanceId: 'discovery-test', startedAt: Date.now() };
    discovery = new DiscoveryService(config as never, info, pino({ level: 'silent' }));
  });
  afterAll(async () => {
    await discovery.onApplicationShutdown();
    await stateDir.remove();
  });

  it('should start a sandboxed server, follow every page of tools, prompts and resources, and stop it', async () => {
    const result = await discovery.discover({
      server: listingServer({ API_KEY: 'k-123', PAGE_SIZE: '2' }),
      timeoutMs: 30_000,
    });
    expect(result.serverInfo).toEqual({ name: 'listing-fixture', version: '1.2.3' });
    expect(result.tools.map((t) => t.name)).toEqual(['alpha', 'bravo', 'charlie', 'delta', 'echo', 'authenticated']);
    expect(result.tools[3]).toEqual({
      name: 'delta',
      description: 'The delta tool',
      inputSchema: { type: 'object', properties: { text: { type: 'string' } } },
      annotations: { readOnlyHint: false },
    });
    expect(result.prompts).toEqual([{ name: 'greet', description: 'Say hello' }]);
    expect(result.resources).toEqual([{ uri: 'fixture://readme', name: 'readme' }]);
    expect(result.durationMs).toBeGreaterThan(0);
    expect(fixtureProcesses()).toEqual([]);
  });

  it('should pass the environment it is given: without the credential the server lists no authenticated tool', async () => {
    const result = await discovery.discover({ server: listingServer(), timeoutMs: 30_000 });
    expect(result.tools.map((t) => t.name)).not.toContain('authenticated');
  });

  it('should give up after timeoutMs and say so', async () => {
    const started = Date.now();
    await expect(
      discovery.discover({ server: listingServer({ LIST_DELAY_MS: '20000' }), timeoutMs: 1_500 }),
    ).rejects.toThrow('discovery of listing failed: timed out');
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('should report a server that exits instead of answering', async () => {
    const crashing: PortcullisServer = {
      id: 'crashing',
      name: 'Crashing',
      runtime: {
        type: 'local',
        command: 'node',
        args: ['-e', 'process.exit(3)'],
        env: {},
        network: { allow: [] },
        limits: {},
      },
    };
    await expect(discovery.discover({ server: crashing, timeoutMs: 20_000 })).rejects.toThrow(
      /discovery of crashing failed: .+/,
    );
  });

  it('should refuse a remote server on a loopback address (SSRF guard)', async () => {
    const remote: PortcullisServer = {
      id: 'loopback',
      name: 'Loopback',
      runtime: { type: 'remote', url: 'http://127.0.0.1:9/mcp', transport: 'streamable-http', headers: {} },
    };
    await expect(discovery.discover({ server: remote, timeoutMs: 10_000 })).rejects.toThrow(
      /discovery of loopback failed/,
    );
  });
});
