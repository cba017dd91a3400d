import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { registryGatewayResolve, registryGatewayServers, type RequestOf, type ResponseOf } from '@portcullis/contracts';
import { BusHandler } from '@portcullis/messaging';
import { GatewayResolver } from './gateway-resolver';

/** The data path's questions: the gateway's (which gateway, may this caller use it) and the orchestrator's. */
@Controller()
export class GatewayResolveHandlers {
  constructor(private readonly resolver: GatewayResolver) {}

  @BusHandler(registryGatewayResolve)
  resolve(
    @Payload() request: RequestOf<typeof registryGatewayResolve>,
  ): Promise<ResponseOf<typeof registryGatewayResolve>> {
    return this.resolver.resolve(request.gateway, request.caller);
  }

  @BusHandler(registryGatewayServers)
  async servers(
    @Payload() request: RequestOf<typeof registryGatewayServers>,
  ): Promise<ResponseOf<typeof registryGatewayServers>> {
    const servers = await this.resolver.servers(request.gatewayId);
    return servers ? { found: true, servers } : { found: false };
  }
}
