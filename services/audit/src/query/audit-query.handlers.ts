import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import {
  auditEventsAggregate,
  auditEventsQuery,
  auditTopCallers,
  type RequestOf,
  type ResponseOf,
} from '@portcullis/contracts';
import { type BusHandlerContext, BusHandler, BusHandlerError } from '@portcullis/messaging';
import { AuditAggregatesQuery } from './audit-aggregates.query';
import { AuditEventsQuery } from './audit-events.query';

/**
 * The tenant whose events a request may read: the one in the caller scope (message headers), never one from the
 * payload. Without a caller scope there is no tenant, and nothing is answered.
 */
export function tenantOf(ctx: BusHandlerContext): string {
  const tenant = ctx.caller?.tenant;
  if (!tenant) throw new BusHandlerError('audit queries need a caller scope (Pc-Tenant and Pc-Actor headers)');
  return tenant;
}

/** Analysts' reads of the audit trail over the bus; the gateway's REST API is their public face. */
@Controller()
export class AuditQueryHandlers {
  constructor(
    private readonly events: AuditEventsQuery,
    private readonly aggregates: AuditAggregatesQuery,
  ) {}

  @BusHandler(auditEventsQuery)
  async query(
    @Payload() request: RequestOf<typeof auditEventsQuery>,
    @Ctx() ctx: BusHandlerContext,
  ): Promise<ResponseOf<typeof auditEventsQuery>> {
    return await this.events.page(tenantOf(ctx), request);
  }

  @BusHandler(auditEventsAggregate)
  async aggregate(
    @Payload() request: RequestOf<typeof auditEventsAggregate>,
    @Ctx() ctx: BusHandlerContext,
  ): Promise<ResponseOf<typeof auditEventsAggregate>> {
    return await this.aggregates.aggregate(tenantOf(ctx), request);
  }

  @BusHandler(auditTopCallers)
  async topCallers(
    @Payload() request: RequestOf<typeof auditTopCallers>,
    @Ctx() ctx: BusHandlerContext,
  ): Promise<ResponseOf<typeof auditTopCallers>> {
    return await this.aggregates.topCallers(tenantOf(ctx), request);
  }
}
