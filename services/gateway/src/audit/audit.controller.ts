import {
  Body,
  Controller,
  Get,
  HttpCode,
  NotFoundException,
  Param,
  Post,
  Query,
  UseGuards,
  UseInterceptors,
} from '@nestjs/common';
import { catalogueJsonSchemas, EVENTS } from '@portcullis/contracts';
import { ZodValidationPipe } from '@portcullis/service-kit';
import { AdminTokenGuard } from '../auth/admin-token.guard';
import { CallerScopeInterceptor } from '../auth/caller-scope.interceptor';
import {
  type AggregatesQuery,
  aggregatesQuery,
  type ListEventsQuery,
  listEventsQuery,
  type TopCallersQuery,
  topCallersQuery,
  type VerifyBody,
  verifyBody,
} from './audit-query.dto';
import { AuditService } from './audit.service';
import { PermissionGuard, RequirePermission } from './permission.guard';

const EVENT_SCHEMAS = new Map(
  catalogueJsonSchemas()
    .filter((file) => file.path.startsWith('events/'))
    .map((file) => [file.path.slice('events/'.length, -'.schema.json'.length), file.schema]),
);

/** The audit trail for analysts: the caller's tenant only, for roles with `audit:read`. */
@Controller('api/v1/audit')
@UseGuards(AdminTokenGuard, PermissionGuard)
@RequirePermission('audit:read')
@UseInterceptors(CallerScopeInterceptor)
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get('events')
  events(@Query(new ZodValidationPipe(listEventsQuery, 'query')) query: ListEventsQuery) {
    return this.audit.list(query);
  }

  @Get('aggregates')
  aggregates(@Query(new ZodValidationPipe(aggregatesQuery, 'query')) query: AggregatesQuery) {
    return this.audit.aggregates(query);
  }

  @Get('top-callers')
  topCallers(@Query(new ZodValidationPipe(topCallersQuery, 'query')) query: TopCallersQuery) {
    return this.audit.topCallers(query);
  }

  @Post('verify')
  @HttpCode(200)
  @RequirePermission('audit:verify')
  verify(@Body(new ZodValidationPipe(verifyBody.optional(), 'body')) body: VerifyBody | undefined) {
    return this.audit.verify(body ?? {});
  }

  /** JSON Schemas (2020-12) of every event envelope, as the build writes them to dist/schemas/events. */
  @Get('schemas')
  schemas() {
    return {
      events: EVENTS.map((event) => ({
        type: event.subject,
        description: event.description,
        schema: `/api/v1/audit/schemas/${event.subject}`,
      })),
    };
  }

  @Get('schemas/:type')
  schema(@Param('type') type: string) {
    const schema = EVENT_SCHEMAS.get(type);
    if (!schema) throw new NotFoundException(`No event type ${type}; GET /api/v1/audit/schemas lists them.`);
    return schema;
  }
}
