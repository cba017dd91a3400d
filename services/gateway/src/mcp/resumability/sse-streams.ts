import { Inject, Injectable, Optional } from '@nestjs/common';
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AppConfig } from '@portcullis/config';
import { BusConnection } from '@portcullis/messaging';
import { RedisStore } from '@portcullis/persistence';
import { LOGGER } from '@portcullis/service-kit';
import type { NatsConnection } from 'nats';
import type { Logger } from 'pino';
import type { GatewayEnv } from '../../env';
import { SseWriter } from '../http/sse-writer';
import { jsonRpcError } from '../jsonrpc/jsonrpc-error-response';
import { JsonRpcErrorCode } from '../jsonrpc/jsonrpc-error-codes';
import { newStreamId, parseEventId } from './sse-event-id';
import { type SseLogLimits, sseStreamKeys } from './sse-stream-keys';
import { SseStreamRecorder } from './sse-stream-recorder';

/** The first revision whose clients expect a priming event (older parsers may choke on empty data). */
const PRIMING_SINCE = '2025-11-25';
/** Beyond a call's own timeout, how long a resumed POST stream waits for the replica relaying the call. */
const CALL_GRACE_MS = 10_000;
const ATTACH_TIMEOUT_MS = 2_000;

interface LoggedEvent {
  s: number;
  m?: unknown;
  end?: boolean;
}

/** Subscribes a GET stream to what it carries; returns the unsubscribe. */
export type SessionEventSource = (send: (message: unknown) => void) => () => void;

/**
 * Resumable SSE streams (2025-11-25 "Resumability and Redelivery"). Every stream the gateway opens for a session
 * gets ids naming it, a priming event and `retry`; its events are kept in a bounded, TTL'd log in Redis, so a client
 * that reconnects with `GET` + `Last-Event-ID` to any replica gets what it missed on that stream, and then the rest:
 * the replica writing the stream announces each logged event on a NATS subject per stream. A POST stream's writer
 * lives as long as its call; a GET stream's writer stays after its client left for `MCP_SSE_GET_LINGER_MS`, and as
 * long as a replica following it keeps asking. Without Redis streams carry ids but cannot be resumed.
 */
@Injectable()
export class SseStreams {
  private readonly limits: SseLogLimits;
  private readonly retryMs: number;
  private readonly lingerMs: number;
  private readonly callTimeoutMs: number;

  constructor(
    config: AppConfig<GatewayEnv>,
    private readonly connection: BusConnection,
    @Inject(LOGGER) private readonly log: Logger,
    @Optional() private readonly redis?: RedisStore,
  ) {
    this.limits = {
      maxEvents: config.get('MCP_SSE_LOG_MAX_EVENTS'),
      maxBytes: config.get('MCP_SSE_LOG_MAX_BYTES'),
      ttlMs: config.get('MCP_SSE_LOG_TTL_MS'),
    };
    this.retryMs = config.get('MCP_SSE_RETRY_MS');
    this.lingerMs = config.get('MCP_SSE_GET_LINGER_MS');
    this.callTimeoutMs = config.get('MCP_REQUEST_TIMEOUT_MS');
  }

  /** The SSE answer to a POST request of session `token`, opened once the call relays something. */
  postStream(res: ServerResponse, token: string, requestId: string | number | null): SseWriter {
    return this.open(res, token, {
      kind: 'post',
      request: JSON.stringify(requestId),
      deadline: String(Date.now() + this.callTimeoutMs + CALL_GRACE_MS),
    });
  }

  /**
   * A GET of session `token`: a new stream fed by `source`, or, with `Last-Event-ID`, the stream that id names
   * resumed after it. An id that is malformed gets 400; one this session does not have (unknown, expired,
   * another session's) 410 with problem details (not 404, which would tell the client its session is gone), as does a GET stream whose missed events are no longer kept.
   */
  async serveGet(req: IncomingMessage, res: ServerResponse, token: string, source: SessionEventSource): Promise<void> {
    const header = req.headers['last-event-id'];
    if (typeof header === 'string' && header !== '') return this.resume(res, token, header, source);
    return this.originate(res, token, source, false);
  }

  private open(res: ServerResponse, token: string, meta: Record<string, string>, headersSent = false): SseWriter {
    const version = res.req?.headers['mcp-protocol-version'];
    const prime = typeof version === 'string' && version >= PRIMING_SINCE ? this.retryMs : undefined;
    const redis = this.redis?.client;
    if (!redis || redis.status !== 'ready') return new SseWriter(res, {}, { primeRetryMs: prime, headersSent });
    const stream = newStreamId();
    const keys = sseStreamKeys(stream, this.connection.options.prefix);
    const recorded = { ...meta, session: digest(token) };
    const sink = new SseStreamRecorder(redis, this.connection.connection, keys, this.limits, recorded, this.log);
    return new SseWriter(res, {}, { stream, primeRetryMs: prime, headersSent, sink });
  }

  private async originate(
    res: ServerResponse,
    token: string,
    source: SessionEventSource,
    headersSent: boolean,
  ): Promise<void> {
    const sse = this.open(res, token, { kind: 'get' }, headersSent);
    const unsubscribe = source((message) => sse.send(message));
    await closedOf(res);
    if (this.redis) await this.linger(sse.stream);
    unsubscribe();
    sse.end();
  }

  /** Keeps a GET stream's writer going while the client may come back, or a replica it came back to follows it. */
  private async linger(stream: string): Promise<void> {
    const nc = this.connection.connection;
    if (!nc || this.lingerMs === 0) return;
    let until = Date.now() + this.lingerMs;
    const sub = nc.subscribe(sseStreamKeys(stream, this.connection.options.prefix).attach, {
      callback: (_e, msg) => {
        until = Date.now() + this.lingerMs;
        msg.respond();
      },
    });
    while (Date.now() < until) await sleep(Math.min(1_000, until - Date.now()));
    sub.unsubscribe();
  }

  private async resume(res: ServerResponse, token: string, header: string, source: SessionEventSource) {
    const id = parseEventId(header);
    if (!id) return problem(res, 400, 'Bad Request', 'Last-Event-ID is not an event id this gateway issued');
    const nc = this.connection.connection;
    const redis = this.redis?.client;
    if (!nc || !redis || redis.status !== 'ready')
      return problem(res, 503, 'Service Unavailable', 'streams cannot be resumed right now (event log unavailable)');
    const keys = sseStreamKeys(id.stream, this.connection.options.prefix);
    // Subscribe before reading the log: an event is announced only once logged, so none falls between the two.
    const pending: LoggedEvent[] = [];
    let deliver: ((event: LoggedEvent) => void) | undefined;
    const sub = nc.subscribe(keys.subject, {
      callback: (_e, msg) => {
        const event = parse(msg.string());
        if (!event) return;
        if (deliver) deliver(event);
        else pending.push(event);
      },
    });
    let read: [Record<string, string>, string[]];
    try {
      await nc.flush();
      const results = await redis.pipeline().hgetall(keys.meta).lrange(keys.events, 0, -1).exec();
      if (!results || results.some(([error]) => error)) throw new Error('event log read failed');
      read = [results[0][1] as Record<string, string>, results[1][1] as string[]];
    } catch (error) {
      sub.unsubscribe();
      this.log.warn({ err: error, stream: id.stream }, 'SSE stream could not be resumed');
      return problem(res, 503, 'Service Unavailable', 'streams cannot be resumed right now (event log unavailable)');
    }
    const [meta, logged] = read;
    if (meta.session !== digest(token)) {
      sub.unsubscribe();
      return problem(res, 410, 'Gone', 'Last-Event-ID names no stream of this session (unknown or expired)');
    }
    const events = logged.map(parse).filter((e): e is LoggedEvent => !!e);
    const lost = events.length > 0 && events[0].s > id.seq + 1;
    const requestId = meta.kind === 'post' ? (JSON.parse(meta.request ?? 'null') as string | number | null) : null;
    if (lost && meta.kind !== 'post') {
      sub.unsubscribe();
      return problem(res, 410, 'Gone', 'the events missed on this stream are no longer kept; open a new stream');
    }
    const sse = new SseWriter(res, {}, { stream: id.stream, firstSeq: id.seq });
    if (lost) {
      // The call's answer cannot be delivered whole: say so on the request rather than leave the client waiting.
      sub.unsubscribe();
      sse.send(
        jsonRpcError(
          requestId ?? 0,
          JsonRpcErrorCode.InternalError,
          `events ${id.seq + 1}–${events[0].s - 1} of this response stream are no longer kept (beyond MCP_SSE_LOG limits)`,
        ),
      );
      return sse.end();
    }
    await this.follow(res, sse, id.seq, events, pending, sub, (d) => (deliver = d), {
      kind: meta.kind === 'post' ? 'post' : 'get',
      attach: keys.attach,
      deadline: Number(meta.deadline ?? 0),
      requestId,
      nc,
    });
    if (meta.kind !== 'post' && !res.destroyed) {
      // The stream's writer is gone (it stopped lingering, or its replica died): this replica takes over, with a
      // new stream on the same response.
      sse.detach();
      await this.originate(res, token, source, true);
    }
  }

  /** Replays what the client missed, then follows the stream live until it ends, its writer is gone or the client leaves. */
  private async follow(
    res: ServerResponse,
    sse: SseWriter,
    after: number,
    logged: LoggedEvent[],
    pending: LoggedEvent[],
    sub: { unsubscribe(): void },
    setDeliver: (deliver: (event: LoggedEvent) => void) => void,
    stream: {
      kind: 'post' | 'get';
      attach: string;
      deadline: number;
      requestId: string | number | null;
      nc: NatsConnection;
    },
  ): Promise<void> {
    let last = after;
    let finish!: () => void;
    const done = new Promise<void>((resolve) => (finish = resolve));
    const deliver = (event: LoggedEvent) => {
      if (event.s <= last) return; // already sent (from the log, or before the client left)
      last = event.s;
      if (event.end) return finish();
      sse.forward(event.s, JSON.stringify(event.m));
    };
    for (const event of logged) deliver(event);
    for (const event of pending.sort((a, b) => a.s - b.s)) deliver(event);
    setDeliver(deliver);
    res.once('close', finish);
    let timer: NodeJS.Timeout | undefined;
    if (stream.kind === 'post') {
      timer = setTimeout(
        () => {
          sse.send(
            jsonRpcError(
              stream.requestId ?? 0,
              JsonRpcErrorCode.InternalError,
              'the gateway replica relaying this call stopped before it finished',
            ),
          );
          finish();
        },
        Math.max(0, stream.deadline - Date.now()),
      );
    } else {
      const attach = () =>
        stream.nc.request(stream.attach, undefined, { timeout: ATTACH_TIMEOUT_MS }).then(
          () => undefined,
          () => finish(), // no writer answers: it is gone
        );
      void attach();
      timer = setInterval(() => void attach(), Math.max(500, Math.floor(this.lingerMs / 3)));
    }
    await done;
    clearTimeout(timer);
    clearInterval(timer);
    sub.unsubscribe();
    if (stream.kind === 'post') sse.end();
  }
}

const digest = (token: string): string => createHash('sha256').update(token).digest('base64url');

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

const closedOf = (res: ServerResponse) =>
  new Promise<void>((resolve) => (res.destroyed ? resolve() : res.once('close', () => resolve())));

function parse(text: string): LoggedEvent | undefined {
  try {
    const event = JSON.parse(text) as LoggedEvent;
    return typeof event.s === 'number' ? event : undefined;
  } catch {
    return undefined;
  }
}

function problem(res: ServerResponse, status: number, title: string, detail: string): void {
  if (res.headersSent) return;
  const body = JSON.stringify({ type: 'about:blank', title, status, detail });
  res.writeHead(status, { 'Content-Type': 'application/problem+json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}
