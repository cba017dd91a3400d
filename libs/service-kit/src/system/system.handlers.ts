import { Controller, Inject } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { type RequestOf, type ResponseOf, systemPing, systemStatus } from '@portcullis/contracts';
import { BusHandler, type BusHandlerContext } from '@portcullis/messaging';
import { Readiness } from '@portcullis/observability';
import { Ctx } from '@nestjs/microservices';
import { serviceStatus } from '../health/service-status';
import { SERVICE_INFO, type ServiceInfo } from '../tokens';

/** Bus handlers every service answers: its status (for the console) and a ping (for tracing and the bench). */
@Controller()
export class SystemHandlers {
  constructor(
    @Inject(SERVICE_INFO) private readonly info: ServiceInfo,
    private readonly readiness: Readiness,
  ) {}

  @BusHandler(systemStatus)
  status(): Promise<ResponseOf<typeof systemStatus>> {
    return serviceStatus(this.info, this.readiness);
  }

  @BusHandler(systemPing)
  ping(@Payload() request: RequestOf<typeof systemPing>, @Ctx() ctx: BusHandlerContext): ResponseOf<typeof systemPing> {
    return {
      service: this.info.name,
      instanceId: this.info.instanceId,
      receivedAt: new Date().toISOString(),
      traceId: ctx.traceId,
      tenant: ctx.caller?.tenant ?? null,
      actor: ctx.caller?.actor ?? null,
      payload: request.payload,
    };
  }
}
