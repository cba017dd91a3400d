import { Controller, Get, Query, Req, Res, UseGuards, UseInterceptors } from '@nestjs/common';
import { ZodValidationPipe } from '@portcullis/service-kit';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AdminTokenGuard } from '../auth/admin-token.guard';
import { CallerScopeInterceptor } from '../auth/caller-scope.interceptor';
import { type ExportEventsQuery, exportEventsQuery, type TailEventsQuery, tailEventsQuery } from './audit-query.dto';
import { AuditExport } from './audit-export.service';
import { AuditTail } from './audit-tail.service';
import { PermissionGuard, RequirePermission } from './permission.guard';

/** The streamed reads: a range exported as NDJSON or CSV, and the live tail over SSE. */
@Controller('api/v1/audit')
@UseGuards(AdminTokenGuard, PermissionGuard)
@RequirePermission('audit:read')
@UseInterceptors(CallerScopeInterceptor)
export class AuditStreamController {
  constructor(
    private readonly exporter: AuditExport,
    private readonly tail: AuditTail,
  ) {}

  @Get('export')
  async export(
    @Query(new ZodValidationPipe(exportEventsQuery, 'query')) query: ExportEventsQuery,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    await this.exporter.stream(query, request, reply);
  }

  @Get('tail')
  async stream(
    @Query(new ZodValidationPipe(tailEventsQuery, 'query')) query: TailEventsQuery,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    await this.tail.open(query, request, reply);
  }
}
