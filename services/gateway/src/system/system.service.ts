import { Inject, Injectable } from '@nestjs/common';
import {
  PLATFORM_SERVICES,
  type PlatformService,
  type ResponseOf,
  type ServiceStatus,
  type SystemHealth,
  systemPing,
  systemStatus,
} from '@portcullis/contracts';
import { BusClient } from '@portcullis/messaging';
import { currentTraceId, Readiness } from '@portcullis/observability';
import { SERVICE_INFO, type ServiceInfo } from '@portcullis/service-kit';

const STATUS_TIMEOUT_MS = 1_500;

/** The platform as the console sees it: every service asked over the bus, the gateway answering for itself. */
@Injectable()
export class SystemService {
  constructor(
    private readonly bus: BusClient,
    private readonly readiness: Readiness,
    @Inject(SERVICE_INFO) private readonly info: ServiceInfo,
  ) {}

  async health(): Promise<SystemHealth> {
    const services = await Promise.all(PLATFORM_SERVICES.map((name) => this.statusOf(name)));
    return {
      status: services.every((s) => s.status === 'ready') ? 'ready' : 'degraded',
      checkedAt: new Date().toISOString(),
      services,
    };
  }

  async ping(
    service: PlatformService,
    payload?: string,
  ): Promise<ResponseOf<typeof systemPing> & { callerTraceId: string | null }> {
    const reply = await this.bus.request(systemPing, { sentAt: new Date().toISOString(), payload }, { to: service });
    return { ...reply, callerTraceId: currentTraceId() };
  }

  private async statusOf(name: PlatformService): Promise<ServiceStatus> {
    if (name === this.info.name) {
      const { ready, checks } = await this.readiness.evaluate();
      return {
        name,
        status: ready ? 'ready' : 'not_ready',
        version: this.info.version,
        instanceId: this.info.instanceId,
        uptimeSeconds: Math.round((Date.now() - this.info.startedAt) / 1000),
        checks,
      };
    }
    try {
      return await this.bus.request(systemStatus, {}, { to: name, timeoutMs: STATUS_TIMEOUT_MS });
    } catch {
      return { name, status: 'unreachable', checks: {} };
    }
  }
}
