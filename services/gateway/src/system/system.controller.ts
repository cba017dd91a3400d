import {
  BadGatewayException,
  Controller,
  Get,
  GatewayTimeoutException,
  Param,
  Query,
  UseGuards,
  UseInterceptors,
} from '@nestjs/common';
import { PLATFORM_SERVICES, type PlatformService, type SystemHealth } from '@portcullis/contracts';
import { BusRequestError } from '@portcullis/messaging';
import { z } from 'zod';
import { AdminTokenGuard } from '../auth/admin-token.guard';
import { CallerScopeInterceptor } from '../auth/caller-scope.interceptor';
import { ZodValidationPipe } from '@portcullis/service-kit';
import { SystemService } from './system.service';

const serviceParam = z.enum(PLATFORM_SERVICES);
const pingQuery = z.object({ payload: z.string().max(65_536).optional() }).strict();

@Controller('api/v1/system')
@UseGuards(AdminTokenGuard)
@UseInterceptors(CallerScopeInterceptor)
export class SystemController {
  constructor(private readonly system: SystemService) {}

  @Get('health')
  health(): Promise<SystemHealth> {
    return this.system.health();
  }

  /** A round trip through the bus to one service: shows the trace and caller arriving on the other side. */
  @Get('ping/:service')
  async ping(
    @Param('service', new ZodValidationPipe(serviceParam, 'service')) service: PlatformService,
    @Query(new ZodValidationPipe(pingQuery, 'query')) query: z.infer<typeof pingQuery>,
  ) {
    try {
      return await this.system.ping(service, query.payload);
    } catch (error) {
      if (error instanceof BusRequestError && error.code === 'TIMEOUT')
        throw new GatewayTimeoutException(`${service} did not answer in time`);
      if (error instanceof BusRequestError) throw new BadGatewayException(`${service}: ${error.message}`);
      throw error;
    }
  }
}
