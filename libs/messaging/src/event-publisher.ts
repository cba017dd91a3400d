import {
  type Actor,
  type EventContract,
  type EventDataOf,
  type EventEnvelope,
  eventEnvelopeSchema,
} from '@portcullis/contracts';
import { currentTraceparent, type Metrics } from '@portcullis/observability';
import { v7 as uuidv7 } from 'uuid';
import type { BusConnection } from './bus-connection';
import { BusRequestError } from './bus-request.error';
import { outgoingHeaders } from './trace-headers';
import { encodeJson, issuesOf } from './wire';

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

export interface PublishOptions {
  tenant: string;
  actor: Actor;
  /** Publish-acknowledgement timeout. */
  timeoutMs?: number;
}

/**
 * Publishes events to the JetStream stream and waits for the stream's acknowledgement. The event id doubles
 * as `Nats-Msg-Id`, so retrying a publish whose ack was lost stores the event once.
 */
export class EventPublisher {
  constructor(
    private readonly bus: BusConnection,
    private readonly metrics: Metrics,
  ) {}

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
    const js = this.bus.jetstream();
    if (!js) {
      this.metrics.eventsPublished.inc({ type: contract.subject, outcome: 'unavailable' });
      throw new BusRequestError('UNAVAILABLE', 'not connected to NATS / events stream not ready', subject);
    }
    try {
      await js.publish(subject, encodeJson(checked.data), {
        msgID: envelope.id,
        headers: outgoingHeaders({ tenant: options.tenant, actor: `${options.actor.type}:${options.actor.id}` }),
        timeout: options.timeoutMs ?? 5_000,
      });
    } catch (error) {
      this.metrics.eventsPublished.inc({ type: contract.subject, outcome: 'error' });
      throw new BusRequestError('UNAVAILABLE', error instanceof Error ? error.message : String(error), subject);
    }
    this.metrics.eventsPublished.inc({ type: contract.subject, outcome: 'ok' });
    return envelope;
  }
}
