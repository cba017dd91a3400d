import { bootstrapService } from '@portcullis/service-kit';
import { guardEnv } from './env';
import { GuardModule } from './guard.module';

void bootstrapService({
  name: 'guard',
  version: '0.1.0',
  env: guardEnv,
  module: GuardModule,
  database: { migrations: [] },
});
