import type { z } from 'zod';
import type { EventContract, RequestContract } from './contract.types';

const VERSIONED_SUBJECT = /^[a-z][a-z0-9-]*\.v[1-9][0-9]*(\.[a-z][a-z0-9-]*)+$/;
const EVENT_SUBJECT = /^events\.v[1-9][0-9]*(\.[a-z][a-z0-9-]*){2,}$/;

/** Declares a request/reply contract; the subject must carry a version segment (`<service>.v1.<verb>…`). */
export function defineRequest<Req extends z.ZodType, Res extends z.ZodType>(spec: {
  subject: string;
  routed?: boolean;
  routeBy?: 'service' | 'instance';
  description: string;
  request: Req;
  response: Res;
}): RequestContract<Req, Res> {
  if (!VERSIONED_SUBJECT.test(spec.subject)) {
    throw new Error(`Request subject "${spec.subject}" must look like <service>.v<N>.<verb>[.<more>]`);
  }
  return { kind: 'request', ...spec, routed: spec.routed ?? false, routeBy: spec.routeBy ?? 'service' };
}

/** Declares an event contract; the subject (= event type) must be `events.v<N>.<area>.<name>`. */
export function defineEvent<Data extends z.ZodType>(spec: {
  subject: string;
  description: string;
  data: Data;
}): EventContract<Data> {
  if (!EVENT_SUBJECT.test(spec.subject)) {
    throw new Error(`Event subject "${spec.subject}" must look like events.v<N>.<area>.<name>`);
  }
  return { kind: 'event', ...spec };
}
