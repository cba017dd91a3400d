import type { ServiceDefinition } from '@portcullis/service-kit';
import { registryEnv } from './env';
import { registryMigrations } from './migrations/registry-migrations';
import { RegistryModule } from './registry.module';

/** How the registry starts; main.ts runs it, integration tests start the same definition in-process. */
export const registryService: ServiceDefinition<typeof registryEnv> = {
  name: 'registry',
  version: '0.1.0',
  env: registryEnv,
  module: RegistryModule,
  database: { migrations: registryMigrations },
  redis: true,
};
