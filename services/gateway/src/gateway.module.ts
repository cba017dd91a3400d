import { Module } from '@nestjs/common';
import { AuditModule } from './audit/audit.module';
import { AuthModule } from './auth/auth.module';
import { McpModule } from './mcp/mcp.module';
import { RegistryApiModule } from './registry-api/registry-api.module';
import { SystemModule } from './system/system.module';

@Module({ imports: [AuthModule, SystemModule, McpModule, AuditModule, RegistryApiModule] })
export class GatewayModule {}
