import { Module } from '@nestjs/common';
import { DiscoveryModule } from './discovery/discovery.module';
import { ServerCatalog } from './servers/server-catalog';
import { McpSessionHandlers } from './sessions/mcp-session.handlers';
import { McpSessionService } from './sessions/mcp-session.service';
import { StatelessCallHandlers } from './sessions/stateless-call.handlers';
import { StatelessCallsService } from './sessions/stateless-calls.service';
import { ToolPinning } from './sessions/tool-pinning.service';

/** Runs MCP server instances for client sessions and relays their messages (the MCP data path's worker side). */
@Module({
  imports: [DiscoveryModule],
  controllers: [McpSessionHandlers, StatelessCallHandlers],
  providers: [ServerCatalog, McpSessionService, StatelessCallsService, ToolPinning],
})
export class OrchestratorModule {}
