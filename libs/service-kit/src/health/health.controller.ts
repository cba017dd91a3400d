import { Controller, Get, Header, HttpCode, Inject, Res } from '@nestjs/common';
import type { ServiceStatus } from '@portcullis/contracts';
import { Metrics, Readiness } from '@portcullis/observability';
import type { FastifyReply } from 'fastify';
import { SERVICE_INFO, type ServiceInfo } from '../tokens';
import { serviceStatus } from './service-status';

/** Probes for orchestrators and load balancers, and the Prometheus scrape endpoint. */
@Controller()
export class HealthController {
  constructor(
    @Inject(SERVICE_INFO) private readonly info: ServiceInfo,
    private readonly readiness: Readiness,
    private readonly metrics: Metrics,
  ) {}

  /** Liveness: the process answers; dependencies do not matter here, so an outage never triggers restarts. */
  @Get('health')
  @HttpCode(200)
  health(): { status: 'ok'; service: string; instanceId: string } {
    return { status: 'ok', service: this.info.name, instanceId: this.info.instanceId };
  }

  @Get('ready')
  async ready(@Res({ passthrough: true }) reply: FastifyReply): Promise<ServiceStatus> {
    const status = await serviceStatus(this.info, this.readiness);
    void reply.status(status.status === 'ready' ? 200 : 503);
    return status;
  }

  @Get('metrics')
  @Header('Cache-Control', 'no-store')
  async scrape(@Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    void reply.header('Content-Type', this.metrics.registry.contentType);
    return this.metrics.registry.metrics();
  }
}
