import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { AuditExport } from './audit-export.service';
import { AuditStreamController } from './audit-stream.controller';
import { AuditTail } from './audit-tail.service';
import { AuditController } from './audit.controller';
import { AuditService } from './audit.service';
import { PermissionGuard } from './permission.guard';

/** The audit API for analysts: list, aggregates, top callers, export, live tail, chain verification, schemas. */
@Module({
  imports: [AuthModule],
  controllers: [AuditController, AuditStreamController],
  providers: [AuditService, AuditExport, AuditTail, PermissionGuard],
})
export class AuditModule {}
