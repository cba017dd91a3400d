import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { JsonRpcMessage } from '@portcullis/contracts';
import { UpstreamSession } from './upstream-session';
import type { WorkerMetrics } from './worker-metrics';

/**
 * An upstream that answers `initialize`, and answers a `tools/call` with its last progress notification and the
 * result in one synchronous burst — as a stdio server's two lines arrive in one read.
 */
async function connectedSession() {
  const published: { subject: string; message: JsonRpcMessage | null }[] = [];
  const session = new UpstreamSession(
    'session-1',
    'instance-1',
    { jsonrpc: '2.0', id: 0, method: 'initialize', params: { clientInfo: { name: 'test', version: '1' } } },
    (subject, message) => published.push({ subject, message }),
    'events.session-1',
    'fixture',
    { observeUpstream: () => undefined } as unknown as WorkerMetrics,
  );
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const reply = (message: JSONRPCMessage) => void serverSide.send(message);
  serverSide.onmessage = (message) => {
    if (!('method' in message) || !('id' in message)) return;
    if (message.method === 'initialize')
      return reply({
        jsonrpc: '2.0',
        id: message.id,
        result: {
          protocolVersion: '2025-11-25',
          capabilities: { tools: {} },
          serverInfo: { name: 'up', version: '1' },
        },
      });
    const progressToken = (message.params?._meta as { progressToken?: string | number } | undefined)?.progressToken;
    if (progressToken !== undefined)
      reply({ jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken, progress: 100, total: 100 } });
    reply({ jsonrpc: '2.0', id: message.id, result: { content: [{ type: 'text', text: 'done' }] } });
  };
  await serverSide.start();
  await session.client.connect(clientSide);
  return { session, published };
}

describe(UpstreamSession.name, () => {
  it('should relay the progress that arrives together with the response, under the client’s own token', async () => {
    const { session, published } = await connectedSession();
    const call: JsonRpcMessage = {
      jsonrpc: '2.0',
      id: 'c-1',
      method: 'tools/call',
      params: { name: 'work', arguments: {}, _meta: { progressToken: 'client-token' } },
    };
    const response = await session.request(call, 'relay.c-1', 5_000);
    expect(response).toEqual({ jsonrpc: '2.0', id: 'c-1', result: { content: [{ type: 'text', text: 'done' }] } });
    expect(published.filter((p) => p.message !== null)).toEqual([
      {
        subject: 'relay.c-1',
        message: {
          jsonrpc: '2.0',
          method: 'notifications/progress',
          params: { progressToken: 'client-token', progress: 100, total: 100 },
        },
      },
    ]);
    await session.client.close();
  });
});
