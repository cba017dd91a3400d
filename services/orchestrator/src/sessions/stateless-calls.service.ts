import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import {
  type JsonRpcMessage,
  MCP_SESSION_EVENTS_SUBJECT,
  type RequestOf,
  type ResponseOf,
  mcpStatelessCall,
} from '@portcullis/contracts';
import { BusConnection } from '@portcullis/messaging';
import { LOGGER } from '@portcullis/service-kit';
import type { Logger } from 'pino';
import { localRelays } from './local-relays';
import { McpSessionService } from './mcp-session.service';
import { SessionLock } from './session-lock';
import { RELAY_HEARTBEAT_MS, type UpstreamSession } from './upstream-session';

type Request = RequestOf<typeof mcpStatelessCall>;
type Response = ResponseOf<typeof mcpStatelessCall>;
type InputRequest = { method: string; params?: unknown };

/** Notifications that belong to the session, not to the call they happen to arrive during: listen streams get them. */
const SESSION_NOTIFICATIONS = new Set([
  'notifications/tools/list_changed',
  'notifications/prompts/list_changed',
  'notifications/resources/list_changed',
  'notifications/resources/updated',
]);
/** Requests an upstream asks in parallel arrive within a few milliseconds; they go to the client together. */
const GATHER_MS = 25;
/** The upstream request itself may live this long; legs and parked waits end it much earlier. */
const UPSTREAM_LIMIT_MS = 3_600_000;
const MAX_CALLS = 10_000;
/** Notifications kept for a call while it waits for its client (progress, logs); the oldest go first beyond this. */
const MAX_HELD = 100;
const INTERNAL_ERROR = -32603;
const REQUEST_TIMEOUT = -32001;

class Call {
  round = 0;
  result?: JsonRpcMessage;
  /** Asked by the upstream, not yet shown to the client. */
  readonly fresh = new Map<string, InputRequest>();
  /** Shown to the client, waiting for its answer. */
  readonly outstanding = new Map<string, InputRequest>();
  relay?: string;
  /** What the upstream sent while no leg was running: the next leg delivers it first. */
  readonly held: JsonRpcMessage[] = [];
  wake?: () => void;
  expiry?: NodeJS.Timeout;
  release?: () => void;

  constructor(
    readonly id: string,
    readonly session: UpstreamSession,
    readonly requestId: string | number,
  ) {}
}

/**
 * The worker's side of 2026-07-28 multi round-trip requests over a 2025-11-25 upstream. The upstream call stays open
 * here while the client gathers its answers; each leg returns either the final response or what the upstream asked.
 * A leg may come from any gateway replica: the parked call is found by its id, and its round number makes every
 * requestState good for one resumption only.
 */
@Injectable()
export class StatelessCallsService implements OnModuleDestroy {
  private readonly calls = new Map<string, Call>();
  private readonly prefix = `_PC_LOCAL.${randomUUID().replaceAll('-', '')}`;
  private readonly lock = new SessionLock();
  private readonly unregister: () => void;

  constructor(
    private readonly sessions: McpSessionService,
    private readonly bus: BusConnection,
    @Inject(LOGGER) private readonly log: Logger,
  ) {
    this.unregister = localRelays.register(this.prefix, (subject, message) =>
      this.fromUpstream(subject.slice(this.prefix.length + 1), message),
    );
  }

  /** One leg; beats on the gateway's relay throughout (also while waiting for the session), so it sees we live. */
  async run(request: Request): Promise<Response> {
    const relay = request.relay;
    const heartbeat = relay ? setInterval(() => this.publish(relay, null), RELAY_HEARTBEAT_MS) : undefined;
    try {
      return await this.runLeg(request);
    } finally {
      clearInterval(heartbeat);
    }
  }

  private async runLeg(request: Request): Promise<Response> {
    const session = this.sessions.session(request.sessionId);
    if (!session) return { outcome: 'gone', reason: 'the pooled session no longer exists on this worker' };
    let call: Call;
    if (request.message) {
      if (this.calls.size >= MAX_CALLS) throw new Error('too many stateless calls in progress on this worker');
      const started = Date.now();
      let release: () => void;
      try {
        release = await this.lock.acquire(session.sessionId, request.timeoutMs);
      } catch (error) {
        return this.complete(request.message as { id?: unknown }, REQUEST_TIMEOUT, (error as Error).message);
      }
      const requestId = (request.message as { id?: string | number }).id ?? randomUUID();
      call = new Call(randomUUID(), session, requestId);
      call.release = release;
      this.calls.set(call.id, call);
      void session.request(request.message, `${this.prefix}.${call.id}`, UPSTREAM_LIMIT_MS).then((response) => {
        call.result = response;
        call.wake?.();
      });
      return this.leg(call, request, request.timeoutMs - (Date.now() - started));
    }
    const resume = request.resume!;
    const parked = this.calls.get(resume.callId);
    if (!parked || parked.session !== session || parked.round !== resume.round || parked.relay !== undefined)
      return { outcome: 'gone', reason: 'no call waits for this input (expired, already answered, or restarted)' };
    call = parked;
    clearTimeout(call.expiry);
    if (resume.cancel !== undefined) {
      this.finish(call, resume.cancel);
      return { outcome: 'gone', reason: resume.cancel };
    }
    for (const [id, answer] of Object.entries(resume.responses)) {
      if (!call.outstanding.has(id)) continue; // answers to questions never asked are ignored, as the spec asks
      call.outstanding.delete(id);
      const error = (answer as { error?: { code: number; message: string; data?: unknown } }).error;
      call.session.answer(
        error && typeof error.code === 'number'
          ? { jsonrpc: '2.0', id, error }
          : { jsonrpc: '2.0', id, result: (answer as { result?: unknown }).result ?? answer },
      );
    }
    return this.leg(call, request, request.timeoutMs);
  }

  onModuleDestroy(): void {
    this.unregister();
    for (const call of this.calls.values()) this.finish(call, 'the orchestrator is shutting down');
  }

  /** Runs the call until it completes, needs the client, or the leg's time is up. */
  private async leg(call: Call, request: Request, timeoutMs: number): Promise<Response> {
    call.relay = request.relay;
    if (call.relay) for (const message of call.held.splice(0)) this.publish(call.relay, message);
    let timer: NodeJS.Timeout | undefined;
    const state = await new Promise<'ready' | 'timeout'>((resolve) => {
      const check = () => {
        if (call.result !== undefined) return resolve('ready');
        // Answers still missing after a resumption: ask again rather than fail (the spec's advice).
        if (call.outstanding.size > 0) return resolve('ready');
        if (call.fresh.size > 0) setTimeout(() => resolve('ready'), GATHER_MS);
      };
      call.wake = check;
      timer = setTimeout(() => resolve('timeout'), Math.max(0, timeoutMs));
      check();
    });
    clearTimeout(timer);
    call.wake = undefined;
    call.relay = undefined;
    if (call.result !== undefined) {
      const response = call.result;
      this.finish(call);
      return { outcome: 'complete', response };
    }
    if (state === 'timeout') {
      this.finish(call, `the call took longer than ${timeoutMs} ms`);
      return this.complete({ id: call.requestId }, REQUEST_TIMEOUT, `no answer within ${timeoutMs} ms`);
    }
    for (const [id, asked] of call.fresh) call.outstanding.set(id, asked);
    call.fresh.clear();
    call.round += 1;
    call.expiry = setTimeout(() => {
      this.log.info({ callId: call.id }, 'client did not come back with its input; the upstream call is cancelled');
      this.finish(call, `the client did not answer within ${request.inputTimeoutMs} ms`);
    }, request.inputTimeoutMs);
    return {
      outcome: 'input',
      callId: call.id,
      round: call.round,
      inputRequests: Object.fromEntries(call.outstanding),
    };
  }

  /** Ends a call: whatever the upstream still waits for is refused, the upstream request cancelled, the lock freed. */
  private finish(call: Call, reason?: string): void {
    clearTimeout(call.expiry);
    this.calls.delete(call.id);
    call.wake = undefined;
    const refusal = reason ?? 'the call ended before the client answered';
    for (const id of [...call.outstanding.keys(), ...call.fresh.keys()])
      call.session.answer({ jsonrpc: '2.0', id, error: { code: INTERNAL_ERROR, message: refusal } });
    if (reason !== undefined && call.result === undefined) {
      void call.session
        .notify({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: call.requestId, reason } })
        .catch(() => undefined);
    }
    call.outstanding.clear();
    call.fresh.clear();
    call.release?.();
    call.release = undefined;
  }

  private fromUpstream(callId: string, message: JsonRpcMessage | null): void {
    const call = this.calls.get(callId);
    if (!call) return;
    if (message === null) return; // the upstream session's own beat; run() beats for the whole leg
    const { id, method, params } = message as { id?: string | number; method?: string; params?: unknown };
    if (typeof method !== 'string') return;
    if (id !== undefined) {
      call.fresh.set(String(id), params === undefined ? { method } : { method, params });
      call.wake?.();
      return;
    }
    if (SESSION_NOTIFICATIONS.has(method)) {
      this.publish(`${this.bus.options.prefix}${MCP_SESSION_EVENTS_SUBJECT}.${call.session.sessionId}`, message);
      return;
    }
    if (call.relay) this.publish(call.relay, message);
    else if (call.held.push(message) > MAX_HELD) call.held.shift();
  }

  private complete(message: { id?: unknown }, code: number, text: string): Response {
    const id = typeof message.id === 'string' || typeof message.id === 'number' ? message.id : null;
    return { outcome: 'complete', response: { jsonrpc: '2.0', id, error: { code, message: text } } };
  }

  private publish(subject: string, message: JsonRpcMessage | null): void {
    this.bus.connection?.publish(subject, message === null ? new Uint8Array(0) : JSON.stringify(message));
  }
}
