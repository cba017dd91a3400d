import { Injectable } from '@nestjs/common';
import { type JsonRpcMessage, mcpWorkerMessage } from '@portcullis/contracts';
import { BusClient, BusConnection, BusRequestError } from '@portcullis/messaging';
import { createInbox, type NatsConnection, type Subscription } from 'nats';
import type { SessionRef } from '../session/session-token';

const decoder = new TextDecoder();

/** Extra time the bus waits beyond the upstream timeout, so the worker's own timeout answer arrives first. */
const BUS_GRACE_MS = 2_000;
/** The worker beats every 2 s while a call runs; three missed beats mean it is gone (killed, partitioned). */
const WORKER_SILENCE_MS = 6_000;

/** The worker owning the session stopped answering in the middle of a call. */
export class WorkerLostError extends Error {
  constructor(worker: string) {
    super(`the worker serving this session (${worker}) stopped responding`);
    this.name = 'WorkerLostError';
  }
}

/**
 * Sends one client message to the worker owning the session. While a request runs, whatever the upstream sends for
 * it (progress, logging, sampling/elicitation/roots requests) arrives on a per-call inbox and goes to `onRelay`.
 */
@Injectable()
export class McpCallRelay {
  /** One wildcard subscription per process carries every call's relay inbox: no SUB/UNSUB round per call. */
  private readonly relayPrefix = createInbox();
  private relaySubscription: { nc: NatsConnection; sub: Subscription } | undefined;
  private readonly calls = new Map<string, (data: Uint8Array) => void>();
  private nextCall = 0;

  constructor(
    private readonly bus: BusClient,
    private readonly connection: BusConnection,
  ) {}

  private ensureRelaySubscription(nc: NatsConnection): void {
    if (this.relaySubscription?.nc === nc && !this.relaySubscription.sub.isClosed()) return;
    const offset = this.relayPrefix.length + 1;
    const sub = nc.subscribe(`${this.relayPrefix}.*`, {
      callback: (_error, msg) => this.calls.get(msg.subject.slice(offset))?.(msg.data),
    });
    this.relaySubscription = { nc, sub };
  }

  async send(
    ref: SessionRef,
    message: JsonRpcMessage,
    options: { timeoutMs: number; onRelay?: (message: JsonRpcMessage) => void },
  ): Promise<{ response: JsonRpcMessage | null; sessionGone?: boolean }> {
    const nc = this.connection.connection;
    if (!nc) throw new BusRequestError('UNAVAILABLE', 'not connected to NATS', mcpWorkerMessage.subject);
    const callId = options.onRelay ? String(this.nextCall++) : undefined;
    const relay = callId ? `${this.relayPrefix}.${callId}` : undefined;
    let lastSign = Date.now();
    if (callId) {
      this.ensureRelaySubscription(nc);
      this.calls.set(callId, (data) => {
        lastSign = Date.now();
        if (data.length === 0) return; // heartbeat
        try {
          options.onRelay!(JSON.parse(decoder.decode(data)) as JsonRpcMessage);
        } catch {
          // a relayed message that is not JSON cannot be forwarded; the worker only publishes JSON
        }
      });
    }
    let watchdog: NodeJS.Timeout | undefined;
    const workerLost = new Promise<never>((_, reject) => {
      if (!relay) return;
      watchdog = setInterval(() => {
        if (Date.now() - lastSign > WORKER_SILENCE_MS) reject(new WorkerLostError(ref.worker));
      }, 1_000);
    });
    try {
      const reply = await Promise.race([
        this.bus.request(
          mcpWorkerMessage,
          { sessionId: ref.sessionId, message, relay, timeoutMs: options.timeoutMs },
          { to: ref.worker, timeoutMs: options.timeoutMs + BUS_GRACE_MS },
        ),
        workerLost,
      ]);
      // The worker publishes relayed messages before it replies, over one connection, and NATS keeps one
      // connection's messages in order, so every relayed message has been dispatched by now.
      return reply;
    } finally {
      clearInterval(watchdog);
      if (callId) this.calls.delete(callId);
    }
  }
}
