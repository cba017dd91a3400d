import { Body, Controller, Get, Param, Post, Req, Res, UseGuards } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AdminTokenGuard } from '../../auth/admin-token.guard';
import { McpAggregateService } from '../aggregate/mcp-aggregate.service';
import { McpHttpService } from '../http/mcp-http.service';
import { LegacySseService } from './legacy-sse.service';

/**
 * The deprecated HTTP+SSE transport (2024-11-05) for old clients, next to the Streamable HTTP endpoints:
 * `GET …/sse` opens the stream, `POST …/messages?sessionId=` carries the client's messages.
 */
@Controller('v1/mcp')
@UseGuards(AdminTokenGuard)
export class LegacySseController {
  constructor(
    private readonly mcp: McpHttpService,
    private readonly aggregate: McpAggregateService,
    private readonly legacy: LegacySseService,
  ) {}

  @Get(':gateway/sse')
  async streamAggregate(
    @Param('gateway') gateway: string,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    reply.hijack();
    if (!this.mcp.originAllowed(request.raw, reply.raw)) return;
    const found = await this.aggregate.gatewayOf(reply.raw, gateway, request.caller);
    if (found) await this.legacy.open(request.raw, reply.raw, { gateway: found.id, server: null });
  }

  @Post(':gateway/messages')
  async postAggregate(
    @Param('gateway') gateway: string,
    @Body() body: unknown,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    reply.hijack();
    if (!this.mcp.originAllowed(request.raw, reply.raw)) return;
    const found = await this.aggregate.gatewayOf(reply.raw, gateway, request.caller);
    if (found) await this.legacy.post(request.raw, reply.raw, { gateway: found.id, server: null }, body);
  }

  @Get(':gateway/servers/:server/sse')
  async stream(
    @Param('gateway') gateway: string,
    @Param('server') server: string,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    reply.hijack();
    const target = await this.mcp.admit(request.raw, reply.raw, gateway, server, request.caller);
    if (target) await this.legacy.open(request.raw, reply.raw, target);
  }

  @Post(':gateway/servers/:server/messages')
  async post(
    @Param('gateway') gateway: string,
    @Param('server') server: string,
    @Body() body: unknown,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    reply.hijack();
    const target = await this.mcp.admit(request.raw, reply.raw, gateway, server, request.caller);
    if (target) await this.legacy.post(request.raw, reply.raw, target, body);
  }
}
