import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';

/**
 * `node wide-fixture-server.js <port> <servers> <tools>`: one process serving `<servers>` MCP servers over streamable
 * HTTP at `/s<n>/mcp`, each with `<tools>` tools (`tool_<k>`, a small input schema, echoing its argument) — the
 * remote upstreams of the MCP scale benchmarks (a wide gateway, many sessions).
 */
const [port, servers, tools] = process.argv.slice(2).map(Number);

function buildServer(index: number): McpServer {
  const server = new McpServer({ name: `wide-${index}`, version: '1.0.0' });
  for (let k = 0; k < tools; k++)
    server.registerTool(
      `tool_${k}`,
      {
        description: `Tool ${k} of server ${index}: echoes the text it is given, for the scale benchmark.`,
        inputSchema: { text: z.string().max(1000), times: z.number().int().min(1).max(3).optional() },
      },
      ({ text, times }) => ({ content: [{ type: 'text', text: text.repeat(times ?? 1) }] }),
    );
  return server;
}

const sessions = new Map<string, StreamableHTTPServerTransport>();

const http = createServer((req, res) => {
  const match = /^\/s(\d+)\/mcp/.exec(req.url ?? '');
  const index = match ? Number(match[1]) : NaN;
  if (!(index >= 1 && index <= servers)) {
    res.writeHead(404).end();
    return;
  }
  const sessionId = req.headers['mcp-session-id'];
  const existing = typeof sessionId === 'string' ? sessions.get(sessionId) : undefined;
  if (existing) {
    void existing.handleRequest(req, res);
    return;
  }
  const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
    sessionIdGenerator: randomUUID,
    onsessioninitialized: (id) => {
      sessions.set(id, transport);
    },
    onsessionclosed: (id) => {
      sessions.delete(id);
    },
  });
  void buildServer(index)
    .connect(transport)
    .then(() => transport.handleRequest(req, res));
});
http.listen(port, '127.0.0.1', () => process.stdout.write('listening\n'));
process.on('SIGTERM', () => process.exit(0));
