import { context, type Context, propagation, type TextMapGetter, type TextMapSetter } from '@opentelemetry/api';
import { BUS_HEADERS } from '@portcullis/contracts';
import { headers as natsHeaders, type MsgHdrs } from 'nats';
import type { CallerScope } from './caller-scope';

const setter: TextMapSetter<MsgHdrs> = { set: (carrier, key, value) => carrier.set(key, value) };
const getter: TextMapGetter<MsgHdrs> = {
  get: (carrier, key) => carrier.get(key) || undefined,
  keys: (carrier) => carrier.keys(),
};

/** Headers for an outgoing message: the active trace context plus tenant and actor. */
export function outgoingHeaders(scope: CallerScope | undefined, ctx: Context = context.active()): MsgHdrs {
  const h = natsHeaders();
  propagation.inject(ctx, h, setter);
  if (scope) {
    h.set(BUS_HEADERS.tenant, scope.tenant);
    h.set(BUS_HEADERS.actor, scope.actor);
  }
  return h;
}

/** The trace context and caller carried by an incoming message. */
export function incomingContext(h: MsgHdrs | undefined): { ctx: Context; scope: CallerScope | undefined } {
  if (!h) return { ctx: context.active(), scope: undefined };
  const ctx = propagation.extract(context.active(), h, getter);
  const tenant = h.get(BUS_HEADERS.tenant);
  const actor = h.get(BUS_HEADERS.actor);
  return { ctx, scope: tenant && actor ? { tenant, actor } : undefined };
}
