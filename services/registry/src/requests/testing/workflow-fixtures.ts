import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type DiscoveredTool,
  type EventEnvelope,
  type PortcullisServer,
  type RequestOf,
  orchestratorDiscover,
} from '@portcullis/contracts';
import { connect, type NatsConnection } from 'nats';

/** Polls until `check` returns a value (not undefined/false), or fails after `timeoutMs` naming what it waited for. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export type DiscoverRequest = RequestOf<typeof orchestratorDiscover>;
export type DiscoverBehaviour = (
  request: DiscoverRequest,
  call: number,
) => DiscoveredTool[] | Error | Promise<DiscoveredTool[] | Error>;

/**
 * Answers `orchestrator.v1.discover` on the test's bus prefix the way an orchestrator worker does (the wire format
 * of libs/messaging), with tools or an error chosen per server command. Records every request it got.
 */
export async function discoverResponder(natsUrl: string, prefix: string, behaviour: DiscoverBehaviour) {
  const nc: NatsConnection = await connect({ servers: natsUrl });
  const requests: DiscoverRequest[] = [];
  const calls = new Map<string, number>();
  nc.subscribe(`${prefix}${orchestratorDiscover.subject}`, {
    callback: (_error, message) => {
      const request = message.json<DiscoverRequest>();
      requests.push(request);
      const key = commandOf(request.server);
      const call = (calls.get(key) ?? 0) + 1;
      calls.set(key, call);
      void Promise.resolve(behaviour(request, call)).then((outcome) =>
        message.respond(
          JSON.stringify(
            outcome instanceof Error
              ? { ok: false, error: { code: 'HANDLER_FAILED', message: outcome.message } }
              : {
                  ok: true,
                  data: {
                    serverInfo: { name: key, version: '1.0.0' },
                    tools: outcome,
                    prompts: [],
                    resources: [],
                    durationMs: 5,
                  },
                },
          ),
        ),
      );
    },
  });
  await nc.flush();
  return { requests, close: () => nc.close() };
}

export const commandOf = (server: PortcullisServer) =>
  server.runtime.type === 'local' ? server.runtime.command : server.runtime.url;

/** An HTTP endpoint recording webhook POSTs; the first `failFirst` answer 503. */
export async function webhookReceiver(failFirst = 0) {
  const received: { headers: IncomingHttpHeaders; body: Record<string, unknown> }[] = [];
  let failures = 0;
  const server: Server = createServer((req, res) => {
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    req.on('end', () => {
      if (failures < failFirst) {
        failures++;
        res.writeHead(503).end();
        return;
      }
      received.push({ headers: req.headers, body: JSON.parse(text) as Record<string, unknown> });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/approvals`,
    received,
    failures: () => failures,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The events of one type about one request or installation. */
export const eventsOf = (events: EventEnvelope[], type: string, id: string) =>
  events.filter((e) => e.type === type && JSON.stringify(e.data).includes(id));
