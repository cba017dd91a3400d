import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { freeServicePort, startPlatform, type TestPlatform } from '@portcullis/testing';
import { EVERYTHING, gatewayClient, sampledText } from './mcp-clients';

/** server-everything in one of its HTTP modes, as someone else would run it on their own host. */
async function startEverythingOverHttp(mode: 'streamableHttp' | 'sse'): Promise<{ port: number; child: ChildProcess }> {
  const port = await freeServicePort();
  const child = spawn(process.execPath, [EVERYTHING, mode], {
    env: { ...process.env, PORT: String(port) },
    stdio: 'ignore',
  });
  for (let waited = 0; waited < 20_000; waited += 100) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = tcpConnect(port, '127.0.0.1', () => resolve(!!socket.end()));
      socket.once('error', () => resolve(false));
    });
    if (open) return { port, child };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`server-everything (${mode}) did not listen on ${port}`);
}

/** Remote upstreams (streamable HTTP and legacy SSE) through the gateway, behind the orchestrator's SSRF guard. */
describe('MCP through the gateway to remote servers', () => {
  let platform: TestPlatform;
  let dir: string;
  let streamable: { port: number; child: ChildProcess };
  let sse: { port: number; child: ChildProcess };
  const clients: Client[] = [];

  beforeAll(async () => {
    [streamable, sse] = await Promise.all([startEverythingOverHttp('streamableHttp'), startEverythingOverHttp('sse')]);
    dir = mkdtempSync(join(tmpdir(), 'portcullis-remote-'));
    const file = join(dir, 'portcullis.yaml');
    writeFileSync(
      file,
      [
        'version: 1',
        'servers:',
        '  - id: remote-http',
        '    name: everything over streamable HTTP',
        `    runtime: { type: remote, url: "http://127.0.0.1:${streamable.port}/mcp" }`,
        '  - id: remote-sse',
        '    name: everything over the legacy HTTP+SSE transport',
        `    runtime: { type: remote, url: "http://127.0.0.1:${sse.port}/sse", transport: sse }`,
        '  - id: metadata',
        '    name: a cloud metadata endpoint someone declared as a server',
        '    runtime: { type: remote, url: "http://169.254.169.254/mcp" }',
        'gateways:',
        '  - id: remote',
        '    name: Remote servers',
        '    servers: [remote-http, remote-sse]',
        '  - id: blocked',
        '    name: A gateway with a server the SSRF guard refuses',
        '    servers: [metadata]',
        '',
      ].join('\n'),
    );
    platform = await startPlatform({
      only: ['gateway', 'orchestrator'],
      // The upstreams run on this machine: loopback is allowed for them, nothing else internal is.
      env: { PORTCULLIS_FILE: file, ORCHESTRATOR_UPSTREAM_ALLOWED_CIDRS: '127.0.0.1/32' },
    });
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
    await platform?.stop();
    for (const server of [streamable, sse]) server?.child.kill('SIGKILL');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const viaGateway = async (path: string) => {
    const { client } = await gatewayClient(`${platform.url('gateway')}/v1/mcp/${path}`, platform.adminToken);
    clients.push(client);
    return client;
  };

  it('should serve a streamable HTTP upstream with the same tools and results as a direct connection', async () => {
    const client = await viaGateway('remote/servers/remote-http');
    // The same capabilities as the gateway client: server-everything lists its sampling tool only to samplers.
    const direct = new Client({ name: 'direct', version: '1' }, { capabilities: { sampling: {} } });
    await direct.connect(new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${streamable.port}/mcp`)));
    clients.push(direct);
    expect((await client.listTools()).tools).toEqual((await direct.listTools()).tools);
    const args = { name: 'get-sum', arguments: { a: 19, b: 23 } };
    expect(await client.callTool(args)).toEqual(await direct.callTool(args));
  });

  it('should relay a remote server’s sampling request to the client and back', async () => {
    const client = await viaGateway('remote/servers/remote-http');
    const result = await client.callTool({
      name: 'trigger-sampling-request',
      arguments: { prompt: 'r', maxTokens: 9 },
    });
    expect(JSON.stringify(result.content)).toContain(sampledText('').slice(0, 16));
  });

  it('should serve a legacy HTTP+SSE upstream', async () => {
    const client = await viaGateway('remote/servers/remote-sse');
    const result = await client.callTool({ name: 'echo', arguments: { message: 'over sse' } });
    expect(JSON.stringify(result.content)).toContain('over sse');
  });

  it('should aggregate both remote servers under prefixed names', async () => {
    const client = await viaGateway('remote');
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(['remote-http__echo', 'remote-sse__echo']));
    const echoed = await client.callTool({ name: 'remote-sse__echo', arguments: { message: 'merged' } });
    expect(JSON.stringify(echoed.content)).toContain('merged');
  });

  it('should refuse a server at a cloud metadata address with a clear error, quickly', async () => {
    const started = Date.now();
    await expect(viaGateway('blocked/servers/metadata')).rejects.toThrow(/cloud metadata endpoint/);
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
