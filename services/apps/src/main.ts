import { bootstrapService } from '@portcullis/service-kit';
import { appsEnv } from './env';
import { AppsModule } from './apps.module';

void bootstrapService({
  name: 'apps',
  version: '0.1.0',
  env: appsEnv,
  module: AppsModule,
  database: { migrations: [] },
});
