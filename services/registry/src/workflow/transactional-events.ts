import { Injectable } from '@nestjs/common';
import {
  type Actor,
  BUS_HEADERS,
  type EventContract,
  type EventDataOf,
  eventEnvelopeSchema,
} from '@portcullis/contracts';
import { currentTraceparent } from '@portcullis/observability';
import { v7 as uuidv7 } from 'uuid';
import type { Queryable } from '../http/registry-db';

/** Who a workflow step acts for: the organisation (its slug is the events' tenant) and the actor. */
export interface EventOrigin {
  tenantSlug: string;
  actor: Actor;
}

/**
 * Writes events into the service's outbox inside the caller's transaction, so an event exists exactly when the
 * change it reports was committed: a step that crashes before its commit leaves neither, and a retried step finds
 * its change made and writes nothing again. The publisher's outbox relay sends them on (in order, with their id as
 * `Nats-Msg-Id`) within its polling interval.
 */
@Injectable()
export class TransactionalEvents {
  async write<C extends EventContract>(tx: Queryable, origin: EventOrigin, contract: C, data: EventDataOf<C>) {
    const traceparent = currentTraceparent();
    const envelope = eventEnvelopeSchema(contract.subject, contract.data).parse({
      id: uuidv7(),
      type: contract.subject,
      occurredAt: new Date().toISOString(),
      tenant: origin.tenantSlug,
      actor: origin.actor,
      traceparent,
      data,
    });
    const headers: Record<string, string> = {
      [BUS_HEADERS.tenant]: origin.tenantSlug,
      [BUS_HEADERS.actor]: `${origin.actor.type}:${origin.actor.id}`,
      ...(traceparent ? { [BUS_HEADERS.traceparent]: traceparent } : {}),
    };
    await tx.query('INSERT INTO outbox (event_id, type, payload, headers) VALUES ($1, $2, $3, $4)', [
      envelope.id,
      contract.subject,
      JSON.stringify(envelope),
      JSON.stringify(headers),
    ]);
  }
}
