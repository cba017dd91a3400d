import { Injectable } from '@nestjs/common';
import { type JsonRpcMessage, type RequestOf, type ResponseOf, mcpStatelessCall } from '@portcullis/contracts';
import { BusClient, BusConnection, BusRequestError } from '@portcullis/messaging';
import { createInbox, type NatsConnection, type Subscription } from 'nats';
import { WorkerLostError } from '../http/mcp-call-relay';

const decoder = new TextDecoder();
/** Extra time the bus waits beyond the leg's own limit, so the worker's timeout answer arrives first. */
const BUS_GRACE_MS = 2_000;
/** The worker beats every 2 s while a leg runs; three missed beats mean it is gone. */
const WORKER_SILENCE_MS = 6_000;

type Leg = Omit<RequestOf<typeof mcpStatelessCall>, 'relay'>;

/**
 * Sends one leg of a stateless request to the worker holding its pooled session. While the leg runs, progress and
 * logging of the call arrive on a per-leg inbox (one wildcard subscription per process) and go to `onRelay`; a
 * worker that stops beating is reported as lost instead of being waited for until the timeout.
 */
@Injectable()
export class StatelessLegs {
  private readonly prefix = createInbox();
  private subscription: { nc: NatsConnection; sub: Subscription } | undefined;
  private readonly legs = new Map<string, (data: Uint8Array) => void>();
  private next = 0;

  constructor(
    private readonly bus: BusClient,
    private readonly connection: BusConnection,
  ) {}

  async run(
    worker: string,
    leg: Leg,
    onRelay: (message: JsonRpcMessage) => void,
  ): Promise<ResponseOf<typeof mcpStatelessCall>> {
    const nc = this.connection.connection;
    if (!nc) throw new BusRequestError('UNAVAILABLE', 'not connected to NATS', mcpStatelessCall.subject);
    this.subscribe(nc);
    const id = String(this.next++);
    let lastSign = Date.now();
    this.legs.set(id, (data) => {
      lastSign = Date.now();
      if (data.length === 0) return;
      try {
        onRelay(JSON.parse(decoder.decode(data)) as JsonRpcMessage);
      } catch {
        // the worker only publishes JSON; anything else cannot be forwarded
      }
    });
    let watchdog: NodeJS.Timeout | undefined;
    const lost = new Promise<never>((_, reject) => {
      watchdog = setInterval(() => {
        if (Date.now() - lastSign > WORKER_SILENCE_MS) reject(new WorkerLostError(worker));
      }, 1_000);
    });
    try {
      return await Promise.race([
        this.bus.request(
          mcpStatelessCall,
          { ...leg, relay: `${this.prefix}.${id}` },
          { to: worker, timeoutMs: leg.timeoutMs + BUS_GRACE_MS },
        ),
        lost,
      ]);
    } finally {
      clearInterval(watchdog);
      this.legs.delete(id);
    }
  }

  private subscribe(nc: NatsConnection): void {
    if (this.subscription?.nc === nc && !this.subscription.sub.isClosed()) return;
    const offset = this.prefix.length + 1;
    const sub = nc.subscribe(`${this.prefix}.*`, {
      callback: (_error, msg) => this.legs.get(msg.subject.slice(offset))?.(msg.data),
    });
    this.subscription = { nc, sub };
  }
}
