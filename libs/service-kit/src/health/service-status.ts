import type { ServiceStatus } from '@portcullis/contracts';
import type { Readiness } from '@portcullis/observability';
import type { ServiceInfo } from '../tokens';

/** This instance's readiness in the shape `/ready` and `system.v1.status` share. */
export async function serviceStatus(info: ServiceInfo, readiness: Readiness): Promise<ServiceStatus> {
  const { ready, checks } = await readiness.evaluate();
  return {
    name: info.name,
    status: ready ? 'ready' : 'not_ready',
    version: info.version,
    instanceId: info.instanceId,
    uptimeSeconds: Math.round((Date.now() - info.startedAt) / 1000),
    checks,
  };
}
