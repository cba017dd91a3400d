import { bootstrapService } from '@portcullis/service-kit';
import { registryEnv } from './env';
import { CreateOrganizations1732000000100 } from './migrations/1732000000100-create-organizations';
import { RegistryModule } from './registry.module';

void bootstrapService({
  name: 'registry',
  version: '0.1.0',
  env: registryEnv,
  module: RegistryModule,
  database: { migrations: [CreateOrganizations1732000000100] },
  redis: true,
});
