import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { McpAggregateService } from './aggregate/mcp-aggregate.service';
import { ToolCallGuard } from './arguments/tool-call-guard';
import { McpCatalog } from './catalog/mcp-catalog';
import { McpCallRelay } from './http/mcp-call-relay';
import { McpHttpController } from './http/mcp-http.controller';
import { McpHttpService } from './http/mcp-http.service';
import { LegacySseController } from './legacy-sse/legacy-sse.controller';
import { LegacySseHandlers } from './legacy-sse/legacy-sse.handlers';
import { LegacySseMetrics } from './legacy-sse/legacy-sse.metrics';
import { LegacySseService } from './legacy-sse/legacy-sse.service';
import { McpMetrics } from './http/mcp-metrics';
import { McpTelemetry } from './telemetry/mcp-telemetry';
import { SseStreams } from './resumability/sse-streams';
import { ListenStreams } from './stateless/listen-stream';
import { StatelessAggregateService } from './stateless/stateless-aggregate.service';
import { StatelessEntry } from './stateless/stateless-entry';
import { StatelessLegs } from './stateless/stateless-legs';
import { StatelessMcpService } from './stateless/stateless-mcp.service';
import { StatelessPool } from './stateless/stateless-pool';

@Module({
  imports: [AuthModule],
  controllers: [McpHttpController, LegacySseController, LegacySseHandlers],
  providers: [
    McpCatalog,
    McpCallRelay,
    ToolCallGuard,
    McpMetrics,
    McpTelemetry,
    SseStreams,
    McpHttpService,
    McpAggregateService,
    StatelessPool,
    StatelessLegs,
    StatelessMcpService,
    StatelessAggregateService,
    ListenStreams,
    StatelessEntry,
    LegacySseMetrics,
    LegacySseService,
  ],
})
export class McpModule {}
