import { PLATFORM_TENANT, serviceStarted, serviceStopped } from '@portcullis/contracts';
import type { BusConnection, EventPublisher } from '@portcullis/messaging';
import type { Logger } from 'pino';
import type { ServiceInfo } from './tokens';

const actorOf = (info: ServiceInfo) => ({ type: 'service' as const, id: info.name });

/** Announces the instance (through the outbox while the bus is away); retries until it lands or the service stops. */
export function announceStart(
  info: ServiceInfo,
  bus: BusConnection,
  events: EventPublisher,
  log: Logger,
  startupMs: number,
): void {
  let stopped = false;
  const attempt = async (n: number): Promise<void> => {
    if (stopped) return;
    try {
      // Without an outbox there is nothing to do until NATS is there; with one the event waits in it.
      if (!events.hasOutbox) await bus.ready();
      await events.publish(
        serviceStarted,
        { service: info.name, instanceId: info.instanceId, version: info.version, pid: process.pid, startupMs },
        { tenant: PLATFORM_TENANT, actor: actorOf(info) },
      );
    } catch (error) {
      log.debug({ err: error, attempt: n }, 'service-started event not published yet');
      setTimeout(() => void attempt(n + 1), Math.min(500 * 2 ** n, 10_000)).unref();
    }
  };
  void attempt(0);
  process.once('beforeExit', () => (stopped = true));
}

export async function announceStop(info: ServiceInfo, events: EventPublisher, reason: string): Promise<void> {
  await events.publish(
    serviceStopped,
    { service: info.name, instanceId: info.instanceId, reason, uptimeSeconds: (Date.now() - info.startedAt) / 1000 },
    { tenant: PLATFORM_TENANT, actor: actorOf(info), timeoutMs: 1_000 },
  );
}
