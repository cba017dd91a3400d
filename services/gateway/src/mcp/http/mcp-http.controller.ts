import { Body, Controller, Delete, Get, Param, Post, Req, Res, UseGuards } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AdminTokenGuard } from '../../auth/admin-token.guard';
import { McpAggregateService } from '../aggregate/mcp-aggregate.service';
import { McpHttpService } from './mcp-http.service';
import { StatelessEntry } from '../stateless/stateless-entry';

/**
 * `/v1/mcp/{gateway}`: all servers of a gateway in one view; `/v1/mcp/{gateway}/servers/{server}`: one server of a
 * gateway with its original names.
 */
@Controller('v1/mcp')
@UseGuards(AdminTokenGuard)
export class McpHttpController {
  constructor(
    private readonly mcp: McpHttpService,
    private readonly aggregate: McpAggregateService,
    private readonly stateless: StatelessEntry,
  ) {}

  @Post(':gateway')
  async postAggregate(
    @Param('gateway') gateway: string,
    @Body() body: unknown,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    reply.hijack();
    if (!this.mcp.originAllowed(request.raw, reply.raw)) return;
    const found = await this.aggregate.gatewayOf(reply.raw, gateway, request.caller);
    if (found && !(await this.stateless.aggregate(request, reply.raw, found, body)))
      await this.aggregate.post(request.raw, reply.raw, found, body);
  }

  @Get(':gateway')
  async streamAggregate(
    @Param('gateway') gateway: string,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    reply.hijack();
    if (
      this.mcp.originAllowed(request.raw, reply.raw) &&
      (await this.aggregate.gatewayOf(reply.raw, gateway, request.caller))
    )
      await this.aggregate.stream(request.raw, reply.raw);
  }

  @Delete(':gateway')
  async closeAggregate(
    @Param('gateway') gateway: string,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    reply.hijack();
    if (
      this.mcp.originAllowed(request.raw, reply.raw) &&
      (await this.aggregate.gatewayOf(reply.raw, gateway, request.caller))
    )
      await this.aggregate.close(request.raw, reply.raw);
  }

  @Post(':gateway/servers/:server')
  async post(
    @Param('gateway') gateway: string,
    @Param('server') server: string,
    @Body() body: unknown,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    reply.hijack();
    const target = await this.mcp.admit(request.raw, reply.raw, gateway, server, request.caller);
    if (target && !(await this.stateless.server(request, reply.raw, target, body)))
      await this.mcp.post(request.raw, reply.raw, target, body);
  }

  @Get(':gateway/servers/:server')
  async stream(
    @Param('gateway') gateway: string,
    @Param('server') server: string,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    reply.hijack();
    const target = await this.mcp.admit(request.raw, reply.raw, gateway, server, request.caller);
    if (target) await this.mcp.stream(request.raw, reply.raw, target);
  }

  @Delete(':gateway/servers/:server')
  async close(
    @Param('gateway') gateway: string,
    @Param('server') server: string,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    reply.hijack();
    if (await this.mcp.admit(request.raw, reply.raw, gateway, server, request.caller))
      await this.mcp.close(request.raw, reply.raw);
  }
}
