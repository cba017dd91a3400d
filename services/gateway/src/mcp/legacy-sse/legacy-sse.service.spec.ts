import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { JsonRpcMessage } from '@portcullis/contracts';
import { BusClient, BusConnection, BusRequestError } from '@portcullis/messaging';
import pino from 'pino';
import type { McpAggregateService } from '../aggregate/mcp-aggregate.service';
import type { McpCatalog } from '../catalog/mcp-catalog';
import type { McpHttpService } from '../http/mcp-http.service';
import type { LegacySseMetrics } from './legacy-sse.metrics';
import { LegacySseService, messagesPath } from './legacy-sse.service';

/** What a client of the gateway receives on one HTTP response. */
class FakeResponse extends EventEmitter {
  status = 0;
  text = '';
  headersSent = false;
  writableEnded = false;
  destroyed = false;
  writeHead(status: number) {
    this.status = status;
    this.headersSent = true;
    return this;
  }
  flushHeaders() {}
  write(chunk: string) {
    this.text += chunk;
    return true;
  }
  end(chunk?: string) {
    if (chunk) this.text += chunk;
    this.writableEnded = true;
    this.disconnect();
    return this;
  }
  /** The client went away (or the response ended). */
  disconnect() {
    if (this.destroyed) return;
    this.destroyed = true;
    this.emit('close');
  }
  get raw() {
    return this as unknown as ServerResponse;
  }
  /** The JSON-RPC messages of the SSE events written so far. */
  messages(): unknown[] {
    return [...this.text.matchAll(/^data: (\{.*)$/gm)].map((m) => JSON.parse(m[1]) as unknown);
  }
  endpoint(): string {
    return /^event: endpoint\ndata: (.*)$/m.exec(this.text)![1];
  }
}

const request = (url: string) => ({ url, headers: {} }) as unknown as IncomingMessage;
const until = async (check: () => boolean) => {
  for (let i = 0; i < 100 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  expect(check()).toBe(true);
};
const endpoint = { gateway: 'default', server: 'everything' };
const initialize = { jsonrpc: '2.0', id: 1, method: 'initialize', params: {} };

describe(LegacySseService.name, () => {
  let http: { cursorKey: Buffer; post: jest.Mock; stream: jest.Mock; close: jest.Mock };
  let bus: { request: jest.Mock };
  let replicas: Map<string, LegacySseService>;

  const replica = (instanceId: string) => {
    const metrics = { streams: { inc: jest.fn(), dec: jest.fn() }, posted: jest.fn() };
    const service = new LegacySseService(
      http as unknown as McpHttpService,
      { post: jest.fn(), stream: jest.fn(), close: jest.fn() } as unknown as McpAggregateService,
      { byId: jest.fn() } as unknown as McpCatalog,
      bus as unknown as BusClient,
      { options: { instanceId } } as unknown as BusConnection,
      metrics as unknown as LegacySseMetrics,
      pino({ level: 'silent' }),
    );
    replicas.set(instanceId, service);
    return service;
  };

  const open = (service: LegacySseService) => {
    const res = new FakeResponse();
    const served = service.open(request('/v1/mcp/default/servers/everything/sse'), res.raw, endpoint);
    return { res, served, postUrl: res.endpoint() };
  };

  const post = async (service: LegacySseService, url: string, body: string) => {
    const res = new FakeResponse();
    await service.post(request(url), res.raw, endpoint, body);
    return { status: res.status, body: res.text.startsWith('{') ? (JSON.parse(res.text) as unknown) : res.text };
  };

  beforeEach(() => {
    replicas = new Map();
    http = {
      cursorKey: Buffer.alloc(32, 1),
      // The Streamable HTTP handler: initialize opens a session; everything else is answered as JSON.
      post: jest.fn((req: IncomingMessage, res: ServerResponse, _target: unknown, body: string) => {
        const message = JSON.parse(body) as { id?: number; method?: string };
        if (message.id === undefined) return Promise.resolve(void res.writeHead(202).end());
        const headers: Record<string, string> = { 'Content-Type': 'application/json' };
        if (message.method === 'initialize') headers['Mcp-Session-Id'] = 'inner-session';
        const session = req.headers['mcp-session-id'] ?? null;
        const answer = { jsonrpc: '2.0', id: message.id, result: { method: message.method, session } };
        res.writeHead(200, headers).end(JSON.stringify(answer));
        return Promise.resolve();
      }),
      stream: jest.fn(
        (_req: IncomingMessage, res: ServerResponse) => new Promise<void>((resolve) => res.once('close', resolve)),
      ),
      close: jest.fn((_req: IncomingMessage, res: ServerResponse) => Promise.resolve(void res.writeHead(204).end())),
    };
    // The bus: a routed request reaches the named replica's handler, or nobody.
    bus = {
      request: jest.fn((_contract: unknown, payload: { stream: string; message: JsonRpcMessage }, { to }) => {
        const target = replicas.get(to as string);
        if (!target) return Promise.reject(new BusRequestError('NO_RESPONDERS', 'no responders', 'x'));
        return Promise.resolve({ accepted: target.deliver(payload.stream, payload.message) });
      }),
    };
  });

  it('should name the POST URL beside the stream’s URL', () => {
    expect(messagesPath('/v1/mcp/default/servers/everything/sse?x=1')).toBe(
      '/v1/mcp/default/servers/everything/messages',
    );
    expect(messagesPath('/proxy/v1/mcp/default/sse')).toBe('/proxy/v1/mcp/default/messages');
  });

  it('should run messages through the Streamable HTTP handler in the session initialize opened, answering on the stream', async () => {
    const service = replica('gw-1');
    const stream = open(service);
    expect(await post(service, stream.postUrl, JSON.stringify(initialize))).toEqual({ status: 202, body: 'Accepted' });
    await until(() => stream.res.messages().length === 1);
    expect(http.stream).toHaveBeenCalledTimes(1); // the session's own events, as on a Streamable HTTP GET stream
    await post(service, stream.postUrl, JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }));
    await post(service, stream.postUrl, JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }));
    await until(() => stream.res.messages().length === 2);
    expect(stream.res.messages()).toEqual([
      { jsonrpc: '2.0', id: 1, result: { method: 'initialize', session: null } },
      { jsonrpc: '2.0', id: 2, result: { method: 'tools/list', session: 'inner-session' } },
    ]);
    stream.res.disconnect();
    await stream.served;
    expect(http.close).toHaveBeenCalledTimes(1);
    expect((http.close.mock.calls[0] as [IncomingMessage])[0].headers['mcp-session-id']).toBe('inner-session');
  });

  it('should hand a POST to the replica holding the stream, and answer 404 once no replica holds it', async () => {
    const holder = replica('gw-1');
    const other = replica('gw-2');
    const stream = open(holder);
    expect((await post(other, stream.postUrl, JSON.stringify(initialize))).status).toBe(202);
    await until(() => stream.res.messages().length === 1);
    expect(bus.request).toHaveBeenCalledWith(
      expect.anything(),
      expect.anything(),
      expect.objectContaining({ to: 'gw-1' }),
    );
    replicas.delete('gw-1'); // the holder is gone: NATS has no responders
    const gone = await post(other, stream.postUrl, JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'ping' }));
    expect(gone).toMatchObject({ status: 404, body: { error: { code: -32600 } } });
    stream.res.disconnect();
    await stream.served;
    expect((await post(holder, stream.postUrl, JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'ping' }))).status).toBe(
      404,
    );
  });

  it('should answer bad input on the POST itself, and a request before initialize on the stream', async () => {
    const service = replica('gw-1');
    const stream = open(service);
    expect(await post(service, stream.postUrl, '{oops')).toMatchObject({
      status: 400,
      body: { error: { code: -32700 } },
    });
    expect((await post(service, '/messages', '{}')).status).toBe(400);
    expect((await post(service, '/messages?sessionId=forged.token', '{}')).status).toBe(404);
    expect(
      (await post(service, stream.postUrl, JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/list' }))).status,
    ).toBe(202);
    await until(() => stream.res.messages().length === 1);
    expect(stream.res.messages()[0]).toMatchObject({ id: 9, error: { code: -32600 } });
    expect(http.post).not.toHaveBeenCalled();
    stream.res.disconnect();
    await stream.served;
    expect(http.close).not.toHaveBeenCalled(); // no session was ever opened
  });

  it('should end the stream when the session behind it is gone (the handler answers 404)', async () => {
    const service = replica('gw-1');
    const stream = open(service);
    await post(service, stream.postUrl, JSON.stringify(initialize));
    await until(() => stream.res.messages().length === 1);
    http.post.mockImplementationOnce((_req: IncomingMessage, res: ServerResponse) => {
      const gone = { jsonrpc: '2.0', id: null, error: { code: -32600, message: 'Session not found' } };
      res.writeHead(404, { 'Content-Type': 'application/json' }).end(JSON.stringify(gone));
      return Promise.resolve();
    });
    await post(service, stream.postUrl, JSON.stringify({ jsonrpc: '2.0', id: 5, method: 'tools/list' }));
    await stream.served;
    expect(stream.res.messages()[1]).toMatchObject({ id: 5, error: { code: -32600 } });
    expect(stream.res.writableEnded).toBe(true);
  });
});
