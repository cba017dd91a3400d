import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import {
  type RequestOf,
  type ResponseOf,
  mcpSessionClose,
  mcpSessionOpen,
  mcpWorkerMessage,
} from '@portcullis/contracts';
import { BusHandler } from '@portcullis/messaging';
import { McpSessionService } from './mcp-session.service';

/** The worker's side of the MCP data path: open a session (any worker), then its messages (this worker only). */
@Controller()
export class McpSessionHandlers {
  constructor(private readonly sessions: McpSessionService) {}

  @BusHandler(mcpSessionOpen)
  open(@Payload() request: RequestOf<typeof mcpSessionOpen>): Promise<ResponseOf<typeof mcpSessionOpen>> {
    return this.sessions.open(request);
  }

  @BusHandler(mcpWorkerMessage)
  message(@Payload() request: RequestOf<typeof mcpWorkerMessage>): Promise<ResponseOf<typeof mcpWorkerMessage>> {
    return this.sessions.message(request);
  }

  @BusHandler(mcpSessionClose)
  async close(@Payload() request: RequestOf<typeof mcpSessionClose>): Promise<ResponseOf<typeof mcpSessionClose>> {
    return { closed: await this.sessions.close(request.sessionId) };
  }
}
