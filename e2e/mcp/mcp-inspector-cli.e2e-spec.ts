import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { REPO_ROOT, startPlatform, type TestPlatform } from '@portcullis/testing';
import { EVERYTHING } from './mcp-clients';

const run = promisify(execFile);

/**
 * The CLI of `@modelcontextprotocol/inspector-cli` (pinned in the root devDependencies). Its own launcher
 * (`mcp-inspector-cli`, build/cli.js) does not pass `--method` on, so the test runs build/index.js, the CLI proper.
 * That file finds its package.json by a path it checks relative to the working directory but imports relative to
 * itself (`../package.json`), so it only starts from a directory one level inside a package: its own build folder.
 */
const CLI_DIR = join(REPO_ROOT, 'node_modules/@modelcontextprotocol/inspector-cli/build');

/** MCP Inspector's CLI mode through one gateway, parsing the JSON it prints, as a developer would script it. */
describe('MCP Inspector CLI through the gateway', () => {
  let platform: TestPlatform;
  let direct: Client;
  const serverUrl = (server: string) => `${platform.url('gateway')}/v1/mcp/default/servers/${server}`;

  const inspect = async <T = Record<string, unknown>>(
    url: string,
    method: string,
    options: { transport?: 'http' | 'sse'; args?: string[] } = {},
  ): Promise<T> => {
    const { stdout } = await run(
      process.execPath,
      [
        join(CLI_DIR, 'index.js'),
        url,
        '--transport',
        options.transport ?? 'http',
        '--method',
        method,
        ...(options.args ?? []),
        '--header',
        `Authorization: Bearer ${platform.adminToken}`,
      ],
      { cwd: CLI_DIR, timeout: 60_000 },
    );
    return JSON.parse(stdout) as T;
  };
  const roundTrip = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

  beforeAll(async () => {
    platform = await startPlatform({
      only: ['gateway', 'orchestrator'],
      env: { PORTCULLIS_FILE: join(REPO_ROOT, 'portcullis.yaml') },
    });
    // Like the CLI's client, one that declares no capabilities (server-everything lists its sampling and
    // elicitation tools only to clients that can answer them).
    direct = new Client({ name: 'portcullis-e2e-direct', version: '1.0.0' });
    await direct.connect(
      new StdioClientTransport({ command: process.execPath, args: [EVERYTHING, 'stdio'], stderr: 'ignore' }),
    );
  });

  afterAll(async () => {
    await direct?.close().catch(() => undefined);
    await platform?.stop();
  });

  it('should list and call server-everything’s tools as a direct connection does', async () => {
    expect(await inspect(serverUrl('everything'), 'tools/list')).toEqual(roundTrip(await direct.listTools()));
    const sum = await inspect(serverUrl('everything'), 'tools/call', {
      args: ['--tool-name', 'get-sum', '--tool-arg', 'a=20', 'b=22'],
    });
    expect(sum).toEqual(roundTrip(await direct.callTool({ name: 'get-sum', arguments: { a: 20, b: 22 } })));
  });

  it('should list server-everything’s resources and prompts as a direct connection does', async () => {
    expect(await inspect(serverUrl('everything'), 'resources/list')).toEqual(roundTrip(await direct.listResources()));
    expect(await inspect(serverUrl('everything'), 'prompts/list')).toEqual(roundTrip(await direct.listPrompts()));
  });

  it('should write a file inside the filesystem server’s /workspace, and read nothing outside it', async () => {
    const tools = await inspect<{ tools: { name: string }[] }>(serverUrl('filesystem'), 'tools/list');
    expect(tools.tools.map((t) => t.name)).toEqual(expect.arrayContaining(['write_file', 'read_text_file']));
    const written = await inspect<{ content: { text: string }[]; isError?: boolean }>(
      serverUrl('filesystem'),
      'tools/call',
      { args: ['--tool-name', 'write_file', '--tool-arg', 'path=/workspace/inspector.txt', 'content=from-inspector'] },
    );
    expect(written.isError).toBeFalsy();
    expect(written.content[0].text).toMatch(/Successfully wrote/);
    const outside = await inspect<{ isError?: boolean }>(serverUrl('filesystem'), 'tools/call', {
      args: ['--tool-name', 'read_text_file', '--tool-arg', `path=${join(REPO_ROOT, 'package.json')}`],
    });
    expect(outside.isError).toBe(true);
  });

  it('should create entities in the memory server and read its graph', async () => {
    // Each CLI run is a session of its own, and each session of a local server its own sandboxed process with its
    // own /workspace: what one run creates, the next does not see. So each answer is checked on its own.
    const entities = JSON.stringify([{ name: 'Lin', entityType: 'person', observations: ['scripts the inspector'] }]);
    const created = await inspect<{ isError?: boolean; structuredContent?: unknown }>(
      serverUrl('memory'),
      'tools/call',
      {
        args: ['--tool-name', 'create_entities', '--tool-arg', `entities=${entities}`],
      },
    );
    expect(created.isError).toBeFalsy();
    expect(created.structuredContent).toEqual({ entities: JSON.parse(entities) as unknown });
    const graph = await inspect<{ structuredContent?: unknown }>(serverUrl('memory'), 'tools/call', {
      args: ['--tool-name', 'read_graph'],
    });
    expect(graph.structuredContent).toEqual({ entities: [], relations: [] });
  });

  it('should list the aggregated view of the gateway', async () => {
    const { tools } = await inspect<{ tools: { name: string }[] }>(
      `${platform.url('gateway')}/v1/mcp/default`,
      'tools/list',
    );
    expect(tools.map((t) => t.name)).toEqual(
      expect.arrayContaining(['everything__get-sum', 'filesystem__write_file', 'memory__read_graph']),
    );
  });

  it('should speak the legacy HTTP+SSE transport (--transport sse) too', async () => {
    const sse = `${serverUrl('everything')}/sse`;
    expect(await inspect(sse, 'tools/list', { transport: 'sse' })).toEqual(roundTrip(await direct.listTools()));
    const sum = await inspect(sse, 'tools/call', {
      transport: 'sse',
      args: ['--tool-name', 'get-sum', '--tool-arg', 'a=1', 'b=41'],
    });
    expect(sum).toEqual(roundTrip(await direct.callTool({ name: 'get-sum', arguments: { a: 1, b: 41 } })));
  });
});
