/** NATS header names that carry context across the bus (W3C trace context plus who and for whom). */
export const BUS_HEADERS = {
  traceparent: 'traceparent',
  tracestate: 'tracestate',
  tenant: 'Pc-Tenant',
  actor: 'Pc-Actor',
} as const;
