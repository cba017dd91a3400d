import type { JsonRpcMessage } from '@portcullis/contracts';
import type { BusConnection } from '@portcullis/messaging';
import type { Logger } from 'pino';
import { localRelays } from './local-relays';
import type { McpSessionService } from './mcp-session.service';
import { StatelessCallsService } from './stateless-calls.service';
import type { UpstreamSession } from './upstream-session';

/** An upstream session whose tool asks the client once, then answers with what it was told. */
function fakeSession() {
  const answers = new Map<string, (message: JsonRpcMessage) => void>();
  const notified: JsonRpcMessage[] = [];
  const session = {
    sessionId: 'session-1',
    request: async (message: JsonRpcMessage, relay: string): Promise<JsonRpcMessage> => {
      const { id } = message as unknown as { id: string };
      const answer = await new Promise<JsonRpcMessage>((resolve) => {
        answers.set('pc-1', resolve);
        localRelays.deliver(relay, {
          jsonrpc: '2.0',
          id: 'pc-1',
          method: 'elicitation/create',
          params: { message: 'name?' },
        });
      });
      const reply = answer as { result?: { content?: { name?: string } }; error?: { message: string } };
      return reply.error
        ? {
            jsonrpc: '2.0',
            id,
            result: { content: [{ type: 'text', text: `refused: ${reply.error.message}` }], isError: true },
          }
        : { jsonrpc: '2.0', id, result: { content: [{ type: 'text', text: `hello ${reply.result?.content?.name}` }] } };
    },
    answer: (message: JsonRpcMessage) => {
      const { id } = message as unknown as { id: string };
      answers.get(id)?.(message);
      return answers.delete(id);
    },
    notify: (message: JsonRpcMessage) => {
      notified.push(message);
      return Promise.resolve();
    },
  };
  return { session: session as unknown as UpstreamSession, notified };
}

describe(StatelessCallsService.name, () => {
  const bus = { options: { prefix: '' }, connection: undefined } as unknown as BusConnection;
  const log = { info: () => undefined, debug: () => undefined } as unknown as Logger;
  const services: StatelessCallsService[] = [];
  const make = (session: UpstreamSession) => {
    const sessions = { session: (id: string) => (id === session.sessionId ? session : undefined) } as McpSessionService;
    const service = new StatelessCallsService(sessions, bus, log);
    services.push(service);
    return service;
  };
  afterEach(() => services.splice(0).forEach((s) => s.onModuleDestroy()));
  const leg = { sessionId: 'session-1', timeoutMs: 5_000, inputTimeoutMs: 5_000 };
  const call = { jsonrpc: '2.0' as const, id: 'pc-sl-1', method: 'tools/call', params: { name: 'ask' } };

  it('should park the call on a server request and finish it with the client’s answer', async () => {
    const service = make(fakeSession().session);
    const first = await service.run({ ...leg, message: call });
    expect(first).toMatchObject({
      outcome: 'input',
      round: 1,
      inputRequests: { 'pc-1': { method: 'elicitation/create' } },
    });
    const done = await service.run({
      ...leg,
      resume: {
        callId: first.callId!,
        round: 1,
        responses: { 'pc-1': { result: { action: 'accept', content: { name: 'Ada' } } } },
      },
    });
    expect(done).toEqual({
      outcome: 'complete',
      response: { jsonrpc: '2.0', id: 'pc-sl-1', result: { content: [{ type: 'text', text: 'hello Ada' }] } },
    });
  });

  it('should continue a parked call once only, and only at its current round', async () => {
    const service = make(fakeSession().session);
    const first = await service.run({ ...leg, message: call });
    const stale = await service.run({ ...leg, resume: { callId: first.callId!, round: 0, responses: {} } });
    expect(stale.outcome).toBe('gone');
    const responses = { 'pc-1': { result: { action: 'accept', content: { name: 'Ada' } } } };
    expect((await service.run({ ...leg, resume: { callId: first.callId!, round: 1, responses } })).outcome).toBe(
      'complete',
    );
    expect((await service.run({ ...leg, resume: { callId: first.callId!, round: 1, responses } })).outcome).toBe(
      'gone',
    );
  });

  it('should ask again when the retry leaves the question unanswered', async () => {
    const service = make(fakeSession().session);
    const first = await service.run({ ...leg, message: call });
    const again = await service.run({
      ...leg,
      resume: { callId: first.callId!, round: 1, responses: { other: { result: {} } } },
    });
    expect(again).toMatchObject({
      outcome: 'input',
      round: 2,
      inputRequests: { 'pc-1': { method: 'elicitation/create' } },
    });
  });

  it('should refuse the server request and cancel the call when the client never comes back', async () => {
    const { session, notified } = fakeSession();
    const service = make(session);
    const first = await service.run({ ...leg, inputTimeoutMs: 50, message: call });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(notified).toHaveLength(1);
    expect(notified[0]).toMatchObject({ method: 'notifications/cancelled', params: { requestId: 'pc-sl-1' } });
    expect((await service.run({ ...leg, resume: { callId: first.callId!, round: 1, responses: {} } })).outcome).toBe(
      'gone',
    );
    // The session is free for the next call.
    expect((await service.run({ ...leg, message: { ...call, id: 'pc-sl-2' } })).outcome).toBe('input');
  });

  it('should deliver what the upstream sent while the call waited for its client with the next leg', async () => {
    const published: { subject: string; data: string }[] = [];
    const withBus = {
      options: { prefix: '' },
      connection: {
        publish: (subject: string, data: Uint8Array | string) => published.push({ subject, data: String(data) }),
      },
    } as unknown as BusConnection;
    const { session } = fakeSession();
    let upstreamRelay = '';
    const request = session.request.bind(session);
    session.request = (message: JsonRpcMessage, relay: string | undefined, timeoutMs: number) => {
      upstreamRelay = relay!;
      return request(message, relay, timeoutMs);
    };
    const sessions = { session: () => session } as unknown as McpSessionService;
    const service = new StatelessCallsService(sessions, withBus, log);
    services.push(service);
    const first = await service.run({ ...leg, message: call });
    const progress = {
      jsonrpc: '2.0' as const,
      method: 'notifications/progress',
      params: { progressToken: 't1', progress: 1 },
    };
    localRelays.deliver(upstreamRelay, progress);
    await service.run({
      ...leg,
      relay: 'client-relay-2',
      resume: {
        callId: first.callId!,
        round: 1,
        responses: { 'pc-1': { result: { action: 'accept', content: { name: 'Ada' } } } },
      },
    });
    expect(
      published
        .filter((p) => p.subject === 'client-relay-2' && p.data !== '')
        .map((p) => JSON.parse(p.data) as unknown),
    ).toEqual([progress]);
  });

  it('should answer gone for a session this worker does not own', async () => {
    const service = make(fakeSession().session);
    expect(await service.run({ ...leg, sessionId: 'other', message: call })).toMatchObject({ outcome: 'gone' });
  });
});
