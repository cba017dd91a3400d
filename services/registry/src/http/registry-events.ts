import { Injectable } from '@nestjs/common';
import type { Actor, EventContract, EventDataOf } from '@portcullis/contracts';
import { EventPublisher } from '@portcullis/messaging';
import type { RegistryCaller } from './require-permission';

/** The event actor of a registry caller: `token:<id>`, `system`, or a user (the bootstrap admin is user `admin`). */
export function actorOf(caller: Pick<RegistryCaller, 'actor'>): Actor {
  if (caller.actor.startsWith('token:')) return { type: 'token', id: caller.actor.slice('token:'.length) };
  if (caller.actor === 'system') return { type: 'system', id: 'registry' };
  return { type: 'user', id: caller.actor };
}

/**
 * Publishes `events.v1.registry.…` for a change a caller made: tenant = the organisation's slug (as everywhere on
 * the platform), actor = the caller. Through the kit's outbox, so a change made while NATS is away is delivered
 * later. Event data must never hold secrets, tokens or password hashes.
 */
@Injectable()
export class RegistryEvents {
  constructor(private readonly events: EventPublisher) {}

  async emit<C extends EventContract>(caller: RegistryCaller, contract: C, data: EventDataOf<C>): Promise<void> {
    await this.events.publish(contract, data, { tenant: caller.tenantSlug ?? caller.tenant, actor: actorOf(caller) });
  }
}
