import { Module } from '@nestjs/common';
import { ServerCatalog } from './servers/server-catalog';
import { McpSessionHandlers } from './sessions/mcp-session.handlers';
import { McpSessionService } from './sessions/mcp-session.service';

/** Runs MCP server instances for client sessions and relays their messages (the MCP data path's worker side). */
@Module({ controllers: [McpSessionHandlers], providers: [ServerCatalog, McpSessionService] })
export class OrchestratorModule {}
