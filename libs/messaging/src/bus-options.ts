/** How a service joins the bus. */
export interface BusOptions {
  service: string;
  instanceId: string;
  servers: string;
  /** Prepended to every subject (test isolation); empty in production. */
  prefix: string;
  eventsStream: string;
  eventsMaxAgeHours: number;
  /** Default request timeout. */
  requestTimeoutMs?: number;
}

export const BUS_OPTIONS = Symbol('BUS_OPTIONS');
