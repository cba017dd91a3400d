import type { z } from 'zod';

/**
 * A request/reply message on core NATS. `subject` is the versioned base subject; when `routed` is set the
 * subject is completed by one routing token (e.g. the target service or instance id) at call time.
 */
export interface RequestContract<Req extends z.ZodType = z.ZodType, Res extends z.ZodType = z.ZodType> {
  readonly kind: 'request';
  readonly subject: string;
  readonly routed: boolean;
  /** What the routing token names: the service (any replica answers) or one instance (that replica only). */
  readonly routeBy: 'service' | 'instance';
  readonly description: string;
  readonly request: Req;
  readonly response: Res;
}

/** An event on the JetStream stream `EVENTS`; `subject` is `events.v1.<area>.<name>` and also the event `type`. */
export interface EventContract<Data extends z.ZodType = z.ZodType> {
  readonly kind: 'event';
  readonly subject: string;
  readonly description: string;
  readonly data: Data;
}

export type AnyContract = RequestContract | EventContract;

export type RequestOf<C extends RequestContract> = z.infer<C['request']>;
export type ResponseOf<C extends RequestContract> = z.infer<C['response']>;
export type EventDataOf<C extends EventContract> = z.infer<C['data']>;
