/** Injection token of the service's pino logger. */
export const LOGGER = Symbol('LOGGER');
/** Injection token of the service's descriptor (name, version, instance id, start time). */
export const SERVICE_INFO = Symbol('SERVICE_INFO');

export interface ServiceInfo {
  name: string;
  version: string;
  instanceId: string;
  startedAt: number;
}
