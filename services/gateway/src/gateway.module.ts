import { Module } from '@nestjs/common';
import { AuthModule } from './auth/auth.module';
import { McpModule } from './mcp/mcp.module';
import { SystemModule } from './system/system.module';

@Module({ imports: [AuthModule, SystemModule, McpModule] })
export class GatewayModule {}
