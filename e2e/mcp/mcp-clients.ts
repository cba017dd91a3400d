import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CreateMessageRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { REPO_ROOT } from '@portcullis/testing';

export const EVERYTHING = join(REPO_ROOT, 'node_modules/@modelcontextprotocol/server-everything/dist/index.js');

/** What the scripted "LLM" of the test client answers to a sampling request, so the test can find it again. */
export const sampledText = (prompt: string) => `scripted answer to ${prompt}`;

export function testClient(): Client {
  const client = new Client({ name: 'portcullis-e2e', version: '1.0.0' }, { capabilities: { sampling: {} } });
  client.setRequestHandler(CreateMessageRequestSchema, (request) => {
    const first = request.params.messages[0]?.content;
    const prompt = first && 'text' in first ? String(first.text) : '';
    return Promise.resolve({
      model: 'scripted',
      role: 'assistant' as const,
      content: { type: 'text' as const, text: sampledText(prompt) },
    });
  });
  return client;
}

/** The MCP SDK client through the gateway, as Claude, Cursor or an agent connects. */
export async function gatewayClient(url: string, token: string, sessionId?: string) {
  const client = testClient();
  const transport = new StreamableHTTPClientTransport(new URL(url), {
    requestInit: { headers: { Authorization: `Bearer ${token}` } },
    sessionId,
  });
  await client.connect(transport);
  return { client, transport };
}

/** The same client straight to the server over stdio: the baseline the gateway must match. */
export async function directEverythingClient() {
  const client = testClient();
  await client.connect(
    new StdioClientTransport({ command: process.execPath, args: [EVERYTHING, 'stdio'], stderr: 'ignore' }),
  );
  return client;
}
