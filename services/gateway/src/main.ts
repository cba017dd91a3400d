import { bootstrapService } from '@portcullis/service-kit';
import { gatewayEnv } from './env';
import { GatewayModule } from './gateway.module';
import { registerRawJsonBodyForMcp } from './mcp/http/raw-json-body';

void bootstrapService({
  name: 'gateway',
  version: '0.1.0',
  env: gatewayEnv,
  module: GatewayModule,
  redis: true,
  // Postgres holds only the event outbox here: requests are served without it.
  database: { migrations: [], requiredForReadiness: false },
  bodyLimit: 4 * 1024 * 1024,
  configureHttp: registerRawJsonBodyForMcp,
});
