import { Module } from '@nestjs/common';
import { SecretsModule } from '../secrets/secrets.module';
import { GatewayResolveHandlers } from './gateway-resolve.handlers';
import { GatewayResolver } from './gateway-resolver';

/** `registry.v1.gateway.resolve` and `registry.v1.gateway.servers`: gateways as the MCP data path needs them. */
@Module({
  imports: [SecretsModule],
  controllers: [GatewayResolveHandlers],
  providers: [GatewayResolver],
  exports: [GatewayResolver],
})
export class ResolveModule {}
