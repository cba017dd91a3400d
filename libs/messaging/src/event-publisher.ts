import {
  type Actor,
  type EventContract,
  type EventDataOf,
  type EventEnvelope,
  eventEnvelopeSchema,
} from '@portcullis/contracts';
import { currentTraceparent, type Metrics } from '@portcullis/observability';
import type { MsgHdrs } from 'nats';
import type { Logger } from 'pino';
import { v7 as uuidv7 } from 'uuid';
import type { BusConnection } from './bus-connection';
import { BusRequestError } from './bus-request.error';
import type { EventOutbox, OutboxEvent } from './event-outbox';
import { OutboxMetrics } from './outbox-metrics';
import { OutboxRelay, type OutboxRelayOptions } from './outbox-relay';
import { outgoingHeaders } from './trace-headers';
import { issuesOf } from './wire';

/** zod compiles a schema on first use; building the envelope schema per publish recompiled it every time. */
const envelopeSchemas = new WeakMap<EventContract, ReturnType<typeof eventEnvelopeSchema>>();
const envelopeSchemaOf = (contract: EventContract) => {
  let schema = envelopeSchemas.get(contract);
  if (!schema) {
    schema = eventEnvelopeSchema(contract.subject, contract.data);
    envelopeSchemas.set(contract, schema);
  }
  return schema;
};

const encoder = new TextEncoder();
const DEFAULT_ACK_TIMEOUT_MS = 5_000;

export interface PublishOptions {
  tenant: string;
  actor: Actor;
  /** Publish-acknowledgement timeout (with an outbox: how long to wait before the event goes there instead). */
  timeoutMs?: number;
}

export interface DurableOptions {
  /** Where events wait while the stream cannot take them. */
  outbox: EventOutbox;
  log: Logger;
  /** How long to wait for the stream's acknowledgement before an event goes to the outbox. */
  ackTimeoutMs: number;
  relay?: Omit<OutboxRelayOptions, 'ackTimeoutMs'>;
}

interface Durable {
  outbox: EventOutbox;
  ackTimeoutMs: number;
  relay: OutboxRelay;
  metrics: OutboxMetrics;
}

const headersRecord = (headers: MsgHdrs): Record<string, string> =>
  Object.fromEntries(headers.keys().map((key) => [key, headers.get(key)]));

/**
 * Publishes events to the JetStream stream. The event id doubles as `Nats-Msg-Id`, so a re-sent event is stored
 * once. With an outbox (every service's kit passes one) `publish` resolves once the stream acknowledged the event
 * or the outbox holds it, and rejects only when neither is possible: without a connection it goes straight to the
 * outbox, without an acknowledgement in `ackTimeoutMs` it goes there after all, and while the outbox holds a
 * backlog new events queue behind it. A relay sends them on as soon as the stream is back. Without an outbox,
 * `publish` rejects when the stream does not acknowledge.
 */
export class EventPublisher {
  private readonly durable: Durable | undefined;
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(
    private readonly bus: BusConnection,
    private readonly metrics: Metrics,
    durable?: DurableOptions,
  ) {
    if (durable) {
      const outboxMetrics = new OutboxMetrics(metrics);
      const relay = new OutboxRelay(bus, durable.outbox, outboxMetrics, durable.log, {
        ...durable.relay,
        ackTimeoutMs: durable.ackTimeoutMs,
      });
      this.durable = { outbox: durable.outbox, ackTimeoutMs: durable.ackTimeoutMs, relay, metrics: outboxMetrics };
      relay.start();
    }
  }

  /** Whether accepted events survive a NATS outage (an outbox is attached). */
  get hasOutbox(): boolean {
    return this.durable !== undefined;
  }

  async publish<C extends EventContract>(
    contract: C,
    data: EventDataOf<C>,
    options: PublishOptions,
  ): Promise<EventEnvelope<EventDataOf<C>>> {
    const envelope: EventEnvelope<EventDataOf<C>> = {
      id: uuidv7(),
      type: contract.subject,
      occurredAt: new Date().toISOString(),
      tenant: options.tenant,
      actor: options.actor,
      traceparent: currentTraceparent(),
      data,
    };
    const subject = `${this.bus.options.prefix}${contract.subject}`;
    const checked = envelopeSchemaOf(contract).safeParse(envelope);
    if (!checked.success) {
      this.metrics.eventsPublished.inc({ type: contract.subject, outcome: 'invalid' });
      throw new BusRequestError(
        'VALIDATION_FAILED',
        `event does not match ${contract.subject}`,
        subject,
        issuesOf(checked.error),
      );
    }
    const headers = outgoingHeaders({ tenant: options.tenant, actor: `${options.actor.type}:${options.actor.id}` });
    const event: OutboxEvent = {
      id: envelope.id,
      type: contract.subject,
      payload: JSON.stringify(checked.data),
      headers: headersRecord(headers),
    };
    const delivery = this.deliver(event, headers, subject, options.timeoutMs);
    this.inFlight.add(delivery);
    try {
      await delivery;
    } finally {
      this.inFlight.delete(delivery);
    }
    return envelope;
  }

  /**
   * Graceful shutdown: waits for publishes under way (each ends acknowledged or in the outbox), stops the relay,
   * and relays what is left within `flushMs` while the bus is still up.
   */
  async close(flushMs = 0): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
    await this.durable?.relay.stop(flushMs);
  }

  private async deliver(
    event: OutboxEvent,
    headers: MsgHdrs,
    subject: string,
    timeoutMs: number | undefined,
  ): Promise<void> {
    const count = (outcome: string) => this.metrics.eventsPublished.inc({ type: event.type, outcome });
    const toStream = async (timeout: number) => {
      const js = this.bus.jetstream();
      if (!js) throw new Error('not connected to NATS / events stream not ready');
      await js.publish(subject, encoder.encode(event.payload), { msgID: event.id, headers, timeout });
    };
    const durable = this.durable;
    if (!durable) {
      if (!this.bus.jetstream()) {
        count('unavailable');
        throw new BusRequestError('UNAVAILABLE', 'not connected to NATS / events stream not ready', subject);
      }
      try {
        await toStream(timeoutMs ?? DEFAULT_ACK_TIMEOUT_MS);
      } catch (error) {
        count('error');
        throw new BusRequestError('UNAVAILABLE', error instanceof Error ? error.message : String(error), subject);
      }
      count('ok');
      return;
    }
    const ackTimeoutMs = timeoutMs ?? durable.ackTimeoutMs;
    let triedStream = false;
    if (!durable.relay.hasBacklog && this.bus.jetstream()) {
      triedStream = true;
      try {
        await toStream(ackTimeoutMs);
        count('ok');
        return;
      } catch {
        // No acknowledgement in time (the stream may still have it: the relay re-sends under the same msgID).
      }
    }
    try {
      await durable.outbox.append(event);
    } catch (outboxError) {
      durable.metrics.count('failed');
      // The outbox is out of reach: the stream is the last chance, even ahead of a backlog.
      if (!triedStream && this.bus.jetstream()) {
        try {
          await toStream(ackTimeoutMs);
          count('ok');
          return;
        } catch {
          // Reported below with the outbox's error.
        }
      }
      count('error');
      const reason = outboxError instanceof Error ? outboxError.message : String(outboxError);
      throw new BusRequestError('UNAVAILABLE', `neither the stream nor the outbox took the event: ${reason}`, subject);
    }
    durable.metrics.count('written');
    count('outboxed');
    durable.relay.appended();
  }
}
