import { bootstrapService } from '@portcullis/service-kit';
import { auditEnv } from './env';
import { AuditModule } from './audit.module';
import { auditMigrations } from './migrations/audit-migrations';

void bootstrapService({
  name: 'audit',
  version: '0.1.0',
  env: auditEnv,
  module: AuditModule,
  database: { migrations: auditMigrations },
});
