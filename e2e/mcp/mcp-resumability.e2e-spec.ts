import { join } from 'node:path';
import { REPO_ROOT, startPlatform, type TestPlatform } from '@portcullis/testing';

const VERSION = '2025-11-25';
/** Small enough that a 20-step call overflows a stream's log; large enough for the 6-step calls. */
const LOG_MAX_EVENTS = 10;
/** How long a GET stream's writer waits for its client to come back. */
const LINGER_MS = 8_000;

type Json = Record<string, unknown>;
interface SseEvent {
  id?: string;
  retry?: string;
  data: string;
}

/** Reads an open SSE response event by event, as a client would. */
function sseReader(response: Response) {
  const reader = response.body!.getReader() as ReadableStreamDefaultReader<Uint8Array>;
  const decoder = new TextDecoder();
  let buffer = '';
  const next = async (): Promise<SseEvent | undefined> => {
    for (;;) {
      const end = buffer.indexOf('\n\n');
      if (end !== -1) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const lines = block.split('\n').filter((line) => !line.startsWith(':'));
        if (lines.length === 0) continue; // keep-alive comment
        const event: SseEvent = { data: '' };
        for (const line of lines) {
          const colon = line.indexOf(':');
          const field = line.slice(0, colon);
          const value = line.slice(colon + 1).replace(/^ /, '');
          if (field === 'id') event.id = value;
          else if (field === 'retry') event.retry = value;
          else if (field === 'data') event.data += value;
        }
        return event;
      }
      const { value, done } = await reader.read();
      if (done) return undefined;
      buffer += decoder.decode(value, { stream: true });
    }
  };
  return { next, cancel: () => reader.cancel().catch(() => undefined) };
}

/** A 2025-11-25 client over raw HTTP, so the test sees event ids, priming events and status codes as they are. */
function rawClient(token: () => string) {
  let nextId = 1;
  const headers = (session?: string, extra: Record<string, string> = {}) => ({
    Authorization: `Bearer ${token()}`,
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    'mcp-protocol-version': VERSION,
    ...(session ? { 'mcp-session-id': session } : {}),
    ...extra,
  });
  const post = (url: string, body: Json, session?: string) =>
    fetch(url, { method: 'POST', headers: headers(session), body: JSON.stringify(body) });
  return {
    nextId: () => nextId++,
    async initialize(url: string): Promise<string> {
      const response = await post(url, {
        jsonrpc: '2.0',
        id: nextId++,
        method: 'initialize',
        params: { protocolVersion: VERSION, capabilities: {}, clientInfo: { name: 'resumability-e2e', version: '1' } },
      });
      expect(response.status).toBe(200);
      const session = response.headers.get('mcp-session-id')!;
      await response.text();
      const initialized = await post(url, { jsonrpc: '2.0', method: 'notifications/initialized' }, session);
      expect(initialized.status).toBe(202);
      return session;
    },
    post,
    get: (url: string, session: string, lastEventId?: string) =>
      fetch(url, {
        method: 'GET',
        headers: headers(session, lastEventId === undefined ? {} : { 'last-event-id': lastEventId }),
      }),
  };
}

const messageOf = (event: SseEvent) => JSON.parse(event.data) as Json & { id?: unknown; params?: Json };
const progressOf = (event: SseEvent) => (messageOf(event).params as { progress: number }).progress;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const seqOf = (id: string | undefined) => Number(id?.split('.')[2]);
const streamOf = (id: string | undefined) => id?.split('.')[1];

/**
 * Resumability (2025-11-25 "Resumability and Redelivery") through the gateway, across replicas: every SSE stream
 * gets event ids naming it, a priming event and `retry`; a client that lost a stream resumes it with GET +
 * Last-Event-ID on any replica, and gets exactly what it missed, then the rest.
 */
describe('MCP SSE resumability through the gateway (2025-11-25, two replicas)', () => {
  let platform: TestPlatform;
  let replicaUrl: string;
  const client = rawClient(() => platform.adminToken);
  const one = (base: string) => `${base}/v1/mcp/default/servers/everything`;
  const all = (base: string) => `${base}/v1/mcp/default`;

  beforeAll(async () => {
    platform = await startPlatform({
      only: ['gateway', 'orchestrator'],
      env: {
        PORTCULLIS_FILE: join(REPO_ROOT, 'portcullis.yaml'),
        MCP_SSE_LOG_MAX_EVENTS: String(LOG_MAX_EVENTS),
        MCP_SSE_GET_LINGER_MS: String(LINGER_MS),
      },
    });
    replicaUrl = (await platform.startReplica('gateway')).url;
  });

  afterAll(async () => {
    await platform?.stop();
  });

  const longCall = (id: number, steps: number, duration: number) => ({
    jsonrpc: '2.0',
    id,
    method: 'tools/call',
    params: {
      name: 'trigger-long-running-operation',
      arguments: { duration, steps },
      _meta: { progressToken: `progress-${id}` },
    },
  });

  it('should resume a POST stream cut mid-call on another replica with exactly the missed progress and the result', async () => {
    const session = await client.initialize(one(platform.url('gateway')));
    const id = client.nextId();
    const response = await client.post(one(platform.url('gateway')), longCall(id, 6, 3), session);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const first = sseReader(response);
    const priming = (await first.next())!;
    expect(priming).toEqual({
      id: expect.stringMatching(/^s1\.[A-Za-z0-9_-]{22}\.0$/) as unknown,
      retry: '1000',
      data: '',
    });
    const seen: SseEvent[] = [];
    for (let i = 0; i < 2; i++) seen.push((await first.next())!);
    expect(seen.map(progressOf)).toEqual([1, 2]);
    await first.cancel(); // the client loses the connection mid-call
    await new Promise((resolve) => setTimeout(resolve, 1_200)); // progress goes on while nobody listens

    const resumed = await client.get(one(replicaUrl), session, seen[1].id);
    expect(resumed.status).toBe(200);
    expect(resumed.headers.get('content-type')).toContain('text/event-stream');
    const rest: SseEvent[] = [];
    const reader = sseReader(resumed);
    for (let event = await reader.next(); event; event = await reader.next()) if (event.data) rest.push(event);
    const messages = rest.map(messageOf);
    expect(messages.slice(0, -1).map((m) => (m.params as { progress: number }).progress)).toEqual([3, 4, 5, 6]);
    expect(messages.at(-1)).toMatchObject({ id, result: { content: [expect.objectContaining({ type: 'text' })] } });
    // The same stream, continued: its ids carry on from the last one the client had, with no repeats.
    expect(rest.map((e) => streamOf(e.id))).toEqual(rest.map(() => streamOf(priming.id)));
    expect(rest.map((e) => seqOf(e.id))).toEqual([3, 4, 5, 6, 7]);
  }, 30_000);

  it('should resume a POST stream after its call ended, and again from an earlier event, with no duplicates', async () => {
    const session = await client.initialize(one(platform.url('gateway')));
    const id = client.nextId();
    const response = await client.post(one(platform.url('gateway')), longCall(id, 3, 0.6), session);
    const reader = sseReader(response);
    const priming = (await reader.next())!;
    await reader.cancel();
    await new Promise((resolve) => setTimeout(resolve, 1_500)); // the call finishes unheard
    for (const base of [replicaUrl, platform.url('gateway')]) {
      const resumed = await client.get(one(base), session, priming.id);
      expect(resumed.status).toBe(200);
      const events: SseEvent[] = [];
      const again = sseReader(resumed);
      for (let event = await again.next(); event; event = await again.next()) if (event.data) events.push(event);
      expect(events.map((e) => seqOf(e.id))).toEqual([1, 2, 3, 4]);
      expect(events.slice(0, 3).map(progressOf)).toEqual([1, 2, 3]);
      expect(messageOf(events[3])).toMatchObject({ id, result: expect.any(Object) as unknown });
    }
  }, 30_000);

  it('should answer a call whose missed events went beyond the log with an error on the request, not silence', async () => {
    const session = await client.initialize(one(platform.url('gateway')));
    const id = client.nextId();
    const response = await client.post(one(platform.url('gateway')), longCall(id, 20, 1), session);
    const reader = sseReader(response);
    await reader.next(); // priming
    const firstProgress = (await reader.next())!;
    await reader.cancel();
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const resumed = await client.get(one(replicaUrl), session, firstProgress.id);
    expect(resumed.status).toBe(200);
    const events: SseEvent[] = [];
    const again = sseReader(resumed);
    for (let event = await again.next(); event; event = await again.next()) if (event.data) events.push(event);
    expect(events).toHaveLength(1);
    expect(messageOf(events[0])).toMatchObject({
      id,
      error: { code: -32603, message: expect.stringContaining('no longer kept') as unknown },
    });
  }, 30_000);

  it('should resume the GET stream of an aggregated session on another replica with the notifications it missed', async () => {
    const session = await client.initialize(all(platform.url('gateway')));
    const stream = await client.get(all(platform.url('gateway')), session);
    expect(stream.status).toBe(200);
    const reader = sseReader(stream);
    const priming = (await reader.next())!;
    expect(priming.data).toBe('');
    expect(priming.retry).toBe('1000');
    // server-everything then logs every 5 s outside any call: on the session's GET stream.
    const toggle = {
      jsonrpc: '2.0',
      id: client.nextId(),
      method: 'tools/call',
      params: { name: 'everything__toggle-simulated-logging', arguments: {} },
    };
    const answer = await client.post(all(platform.url('gateway')), toggle, session);
    expect(answer.status).toBe(200);
    await answer.text();
    const isLog = (e: SseEvent) => !!e.data && messageOf(e).method === 'notifications/message';
    let seen: SseEvent;
    do seen = (await reader.next())!;
    while (!isLog(seen));
    await reader.cancel();
    await new Promise((resolve) => setTimeout(resolve, 5_500)); // at least one log while the client is away

    const resumed = await client.get(all(replicaUrl), session, seen.id);
    expect(resumed.status).toBe(200);
    const again = sseReader(resumed);
    const missed = (await again.next())!;
    expect(isLog(missed)).toBe(true);
    expect(streamOf(missed.id)).toBe(streamOf(seen.id));
    expect(seqOf(missed.id)).toBe(seqOf(seen.id) + 1);
    // And on, live, through the replica that resumed the stream.
    let live: SseEvent;
    do live = (await again.next())!;
    while (!live.data);
    expect(isLog(live)).toBe(true);
    expect(seqOf(live.id)).toBe(seqOf(missed.id) + 1);
    await again.cancel();
  }, 45_000);

  it('should take a GET stream over on resumption once its writer stopped waiting, as a new stream that goes on', async () => {
    const session = await client.initialize(one(platform.url('gateway')));
    const stream = await client.get(one(platform.url('gateway')), session);
    const reader = sseReader(stream);
    const priming = (await reader.next())!;
    // The upstream may announce something just after initialisation (server-everything's list_changed as it
    // registers tools for the client's capabilities): read what comes within two seconds, so nothing is missed.
    let seen = priming;
    for (;;) {
      const more = await Promise.race([reader.next(), sleep(2_000).then(() => null)]);
      if (!more) break;
      seen = more;
    }
    await reader.cancel();
    await new Promise((resolve) => setTimeout(resolve, LINGER_MS + 2_000)); // the first replica stops waiting

    const resumed = await client.get(one(replicaUrl), session, seen.id);
    expect(resumed.status).toBe(200);
    const again = sseReader(resumed);
    const handover = (await again.next())!;
    // Nothing was missed; a new stream (new id, priming event) carries on on the same response.
    expect(handover).toMatchObject({ data: '', retry: '1000' });
    expect(streamOf(handover.id)).not.toBe(streamOf(priming.id));
    expect(seqOf(handover.id)).toBe(0);
    const toggle = {
      jsonrpc: '2.0',
      id: client.nextId(),
      method: 'tools/call',
      params: { name: 'toggle-simulated-logging', arguments: {} },
    };
    await (await client.post(one(platform.url('gateway')), toggle, session)).text();
    let live: SseEvent;
    do live = (await again.next())!;
    while (!live.data);
    expect(messageOf(live).method).toBe('notifications/message');
    expect(streamOf(live.id)).toBe(streamOf(handover.id));
    await again.cancel();
  }, 45_000);

  it('should refuse a Last-Event-ID that is malformed (400) or names no stream of this session (410)', async () => {
    const session = await client.initialize(one(platform.url('gateway')));
    const other = await client.initialize(one(platform.url('gateway')));
    const malformed = await client.get(one(replicaUrl), session, 'not-an-event-id');
    expect(malformed.status).toBe(400);
    expect(malformed.headers.get('content-type')).toContain('application/problem+json');
    const unknown = await client.get(one(replicaUrl), session, `s1.${'A'.repeat(22)}.3`);
    expect(unknown.status).toBe(410);
    expect(await unknown.json()).toMatchObject({
      status: 410,
      detail: expect.stringContaining('unknown or expired') as unknown,
    });
    // A stream of another session is not this session's to resume.
    const response = await client.post(one(platform.url('gateway')), longCall(client.nextId(), 2, 0.4), other);
    const reader = sseReader(response);
    const priming = (await reader.next())!;
    await reader.cancel();
    const foreign = await client.get(one(replicaUrl), session, priming.id);
    expect(foreign.status).toBe(410);
    await foreign.text();
  }, 30_000);
});
