import { bootstrapService } from '@portcullis/service-kit';
import { auditEnv } from './env';
import { AuditModule } from './audit.module';
import { CreateEvents1732000000200 } from './migrations/1732000000200-create-events';

void bootstrapService({
  name: 'audit',
  version: '0.1.0',
  env: auditEnv,
  module: AuditModule,
  database: { migrations: [CreateEvents1732000000200] },
});
