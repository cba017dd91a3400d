import { type BeforeApplicationShutdown, Inject, Injectable } from '@nestjs/common';
import { createHmac, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type JsonRpcMessage, mcpLegacySsePost } from '@portcullis/contracts';
import { BusClient, BusConnection, BusRequestError } from '@portcullis/messaging';
import { LOGGER } from '@portcullis/service-kit';
import type { Logger } from 'pino';
import { McpAggregateService } from '../aggregate/mcp-aggregate.service';
import { McpCatalog } from '../catalog/mcp-catalog';
import { upstreamUnavailable } from '../http/mcp-errors';
import { idOf, McpHttpService, sendJson } from '../http/mcp-http.service';
import { SseWriter } from '../http/sse-writer';
import { jsonRpcError } from '../jsonrpc/jsonrpc-error-response';
import { JsonRpcErrorCode } from '../jsonrpc/jsonrpc-error-codes';
import { parseJsonRpc } from '../jsonrpc/parse-json-rpc';
import { CapturedResponse } from './captured-response';
import {
  alreadyInitialized,
  notInitialized,
  sessionEnded,
  streamIdRequired,
  streamNotFound,
} from './legacy-sse-errors';
import { LegacySseMetrics } from './legacy-sse.metrics';
import { type LegacyStreamRef, LegacyStreamTokens } from './legacy-stream-token';

/** The endpoint a stream was opened on: one server of a gateway, or (server null) the aggregated view. */
export interface LegacyEndpoint {
  gateway: string;
  server: string | null;
}

interface LegacyStream {
  id: string;
  endpoint: LegacyEndpoint;
  res: ServerResponse;
  sse: SseWriter;
  /** The `Mcp-Session-Id` of the Streamable HTTP session behind the stream, once `initialize` succeeded. */
  session?: string;
  initializing?: Promise<void>;
  /** Answers still being written (running requests, the session-events listener); ended with the stream. */
  pending: Set<CapturedResponse>;
  closed: boolean;
}

const POST_RELAY_TIMEOUT_MS = 10_000;
const SHUTDOWN_WAIT_MS = 5_000;

/**
 * The deprecated HTTP+SSE transport (2024-11-05) mapped onto the Streamable HTTP handlers: `GET …/sse` opens the
 * stream and names a POST URL; every POSTed message is handed to the replica holding the stream (over the bus when
 * that is another replica), which runs it through `McpHttpService` / `McpAggregateService` exactly as a Streamable
 * HTTP POST of the session, and writes what they answer (the response, progress, server-to-client requests) to the
 * stream. The stream also carries the session's own events, as the Streamable HTTP GET stream does.
 */
@Injectable()
export class LegacySseService implements BeforeApplicationShutdown {
  private readonly tokens: LegacyStreamTokens;
  private readonly streams = new Map<string, LegacyStream>();
  private readonly closing = new Set<Promise<void>>();

  constructor(
    private readonly http: McpHttpService,
    private readonly aggregate: McpAggregateService,
    private readonly catalog: McpCatalog,
    private readonly bus: BusClient,
    private readonly connection: BusConnection,
    private readonly metrics: LegacySseMetrics,
    @Inject(LOGGER) private readonly log: Logger,
  ) {
    this.tokens = new LegacyStreamTokens(createHmac('sha256', http.cursorKey).update('legacy-sse-stream').digest());
  }

  private get replica(): string {
    return this.connection.options.instanceId;
  }

  /** Serves one SSE stream until the client goes away, then closes the upstream session behind it. */
  async open(req: IncomingMessage, res: ServerResponse, endpoint: LegacyEndpoint): Promise<void> {
    const id = randomBytes(16).toString('base64url');
    const token = this.tokens.issue({ replica: this.replica, stream: id, ...endpoint });
    const sse = new SseWriter(res);
    res.write(`event: endpoint\ndata: ${messagesPath(req.url ?? '')}?sessionId=${token}\n\n`);
    const stream: LegacyStream = { id, endpoint, res, sse, pending: new Set(), closed: false };
    this.streams.set(id, stream);
    this.metrics.streams.inc();
    await new Promise<void>((resolve) => res.once('close', () => resolve()));
    const closed = this.closed(stream);
    this.closing.add(closed);
    await closed.finally(() => this.closing.delete(closed));
  }

  /** A POSTed message: checked here, answered 202, and handed to the replica holding the stream. */
  async post(req: IncomingMessage, res: ServerResponse, endpoint: LegacyEndpoint, body: unknown): Promise<void> {
    const token = new URL(req.url ?? '', 'http://gateway').searchParams.get('sessionId');
    if (!token) return sendJson(res, 400, streamIdRequired());
    const ref = this.tokens.read(token);
    if (!ref || ref.gateway !== endpoint.gateway || ref.server !== endpoint.server)
      return sendJson(res, 404, streamNotFound());
    const parsed = parseJsonRpc(typeof body === 'string' ? body : '');
    if (!parsed.ok) return sendJson(res, 400, parsed.error);
    if (parsed.kind === 'batch')
      return sendJson(res, 400, jsonRpcError(null, JsonRpcErrorCode.InvalidRequest, 'batches are not supported'));
    const message = parsed.message as JsonRpcMessage;
    const route = ref.replica === this.replica ? 'local' : 'relayed';
    let accepted: boolean;
    try {
      accepted = route === 'local' ? this.deliver(ref.stream, message) : await this.relay(ref, message);
    } catch (error) {
      this.metrics.posted(route, 'failed');
      this.log.warn(
        { err: error, replica: ref.replica },
        'legacy SSE message not handed to the replica holding its stream',
      );
      const detail = 'the gateway replica holding this SSE stream did not answer';
      return sendJson(res, 503, upstreamUnavailable(idOf(message), endpoint.server ?? endpoint.gateway, detail));
    }
    this.metrics.posted(route, accepted ? 'accepted' : 'stream_gone');
    if (!accepted) return sendJson(res, 404, streamNotFound());
    res.writeHead(202, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Accepted');
  }

  /** Takes a message for a stream this replica holds; false when it holds no such stream (any more). */
  deliver(streamId: string, message: JsonRpcMessage): boolean {
    const stream = this.streams.get(streamId);
    if (!stream || stream.closed) return false;
    this.process(stream, message).catch((error: unknown) =>
      this.log.error({ err: error, stream: streamId }, 'legacy SSE message failed'),
    );
    return true;
  }

  async beforeApplicationShutdown(): Promise<void> {
    // Clients reconnect (to another replica); their upstream sessions are closed while the bus is still up.
    for (const stream of this.streams.values()) stream.sse.end();
    const all = Promise.all([...this.closing]);
    await Promise.race([all, new Promise((resolve) => setTimeout(resolve, SHUTDOWN_WAIT_MS).unref())]);
  }

  /** The replica holding the stream answers at once; NATS says "no responders" when that replica is gone. */
  private async relay(ref: LegacyStreamRef, message: JsonRpcMessage): Promise<boolean> {
    try {
      const reply = await this.bus.request(
        mcpLegacySsePost,
        { stream: ref.stream, message },
        { to: ref.replica, timeoutMs: POST_RELAY_TIMEOUT_MS },
      );
      return reply.accepted;
    } catch (error) {
      if (error instanceof BusRequestError && error.code === 'NO_RESPONDERS') return false;
      throw error;
    }
  }

  private async process(stream: LegacyStream, message: JsonRpcMessage): Promise<void> {
    const id = idOf(message);
    const isRequest = 'method' in message && id !== null;
    if (isRequest && message.method === 'initialize') {
      if (stream.session || stream.initializing) return this.write(stream, alreadyInitialized(id));
      stream.initializing = this.initialize(stream, message).finally(() => (stream.initializing = undefined));
      return stream.initializing;
    }
    await stream.initializing;
    if (!stream.session) {
      if (isRequest) this.write(stream, notInitialized(id));
      return;
    }
    await this.run(stream, message, stream.session);
  }

  private async initialize(stream: LegacyStream, message: JsonRpcMessage): Promise<void> {
    const answered = await this.run(stream, message, undefined);
    const session = answered.header('mcp-session-id');
    if (!session) return; // refused or failed: the error is on the stream, and the client may try again
    if (stream.closed) return this.closeUpstream(stream.endpoint, session);
    stream.session = session;
    this.listen(stream, session);
  }

  /** One message through the Streamable HTTP handler of the endpoint, its answers written to the stream. */
  private async run(stream: LegacyStream, message: JsonRpcMessage, session: string | undefined) {
    const captured = new CapturedResponse((answer, status) => this.answer(stream, message, answer, status));
    stream.pending.add(captured);
    captured.once('close', () => stream.pending.delete(captured));
    const req = streamableRequest(session);
    const { gateway, server } = stream.endpoint;
    try {
      if (server !== null) {
        await this.http.post(req, captured.asServerResponse, { gateway, server }, JSON.stringify(message));
      } else {
        const found = this.catalog.byId(gateway);
        if (found) await this.aggregate.post(req, captured.asServerResponse, found, JSON.stringify(message));
        else this.answer(stream, message, streamNotFound(), 404);
      }
    } finally {
      captured.destroy();
    }
    return captured;
  }

  /** What the handler answered, for the stream. A 404 means the session behind the stream is gone. */
  private answer(stream: LegacyStream, request: JsonRpcMessage, answer: unknown, status: number): void {
    const id = idOf(request);
    const error = answer as { id?: unknown; error?: unknown };
    if (status === 404) {
      if (id !== null && 'method' in request) this.write(stream, sessionEnded(id));
      this.log.info({ stream: stream.id }, 'legacy SSE stream ended: its session is gone');
      stream.sse.end();
      return;
    }
    // HTTP-level refusals carry no id; on this transport the client can only match them by the request's.
    if (error.error !== undefined && error.id === null && id !== null && 'method' in request)
      return this.write(stream, { ...error, id });
    this.write(stream, answer);
  }

  /** Messages of the session that belong to no request, as on the Streamable HTTP GET stream. */
  private listen(stream: LegacyStream, session: string): void {
    const captured = new CapturedResponse((message) => this.write(stream, message));
    stream.pending.add(captured);
    const req = streamableRequest(session);
    const { gateway, server } = stream.endpoint;
    const listening =
      server !== null
        ? this.http.stream(req, captured.asServerResponse, { gateway, server })
        : this.aggregate.stream(req, captured.asServerResponse);
    listening.catch((error: unknown) => this.log.warn({ err: error, stream: stream.id }, 'session events lost'));
  }

  private write(stream: LegacyStream, message: unknown): void {
    stream.sse.send(message);
  }

  private async closed(stream: LegacyStream): Promise<void> {
    stream.closed = true;
    this.streams.delete(stream.id);
    this.metrics.streams.dec();
    for (const captured of [...stream.pending]) captured.destroy();
    await stream.initializing?.catch(() => undefined);
    stream.sse.end();
    if (stream.session) await this.closeUpstream(stream.endpoint, stream.session);
  }

  /** The client went away: its upstream session(s) are released, as a Streamable HTTP DELETE would. */
  private async closeUpstream(endpoint: LegacyEndpoint, session: string): Promise<void> {
    const captured = new CapturedResponse(() => undefined);
    const req = streamableRequest(session);
    try {
      await (endpoint.server !== null
        ? this.http.close(req, captured.asServerResponse)
        : this.aggregate.close(req, captured.asServerResponse));
    } catch (error) {
      this.log.warn({ err: error, ...endpoint }, 'upstream session of a closed legacy SSE stream not closed');
    }
    if (captured.statusCode !== 204)
      this.log.info({ ...endpoint }, 'upstream session of a legacy SSE stream was already gone');
  }
}

/** The POST URL next to the stream's URL: `…/sse` → `…/messages`, so it survives whatever prefix a proxy added. */
export function messagesPath(url: string): string {
  const path = url.split('?')[0];
  return `${path.replace(/\/sse\/?$/, '')}/messages`;
}

/** The request the Streamable HTTP handlers would see from a client of that session. */
function streamableRequest(session: string | undefined): IncomingMessage {
  const headers: Record<string, string> = {
    accept: 'application/json, text/event-stream',
    'content-type': 'application/json',
  };
  if (session) headers['mcp-session-id'] = session;
  return { headers } as unknown as IncomingMessage;
}
