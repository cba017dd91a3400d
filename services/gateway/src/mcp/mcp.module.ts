import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { McpAggregateService } from './aggregate/mcp-aggregate.service';
import { ToolCallGuard } from './arguments/tool-call-guard';
import { McpCatalog } from './catalog/mcp-catalog';
import { McpCallRelay } from './http/mcp-call-relay';
import { McpHttpController } from './http/mcp-http.controller';
import { McpHttpService } from './http/mcp-http.service';

@Module({
  imports: [AuthModule],
  controllers: [McpHttpController],
  providers: [McpCatalog, McpCallRelay, ToolCallGuard, McpHttpService, McpAggregateService],
})
export class McpModule {}
