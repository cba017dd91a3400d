import { Module } from '@nestjs/common';
import { ChainModule } from '../chain/chain.module';
import { AuditAggregatesQuery } from './audit-aggregates.query';
import { AuditEventsQuery } from './audit-events.query';
import { AuditQueryHandlers } from './audit-query.handlers';
import { ChainVerifyHandlers } from './chain-verify.handlers';

/** The audit trail's read side over the bus: pages, aggregates, top callers and chain verification. */
@Module({
  imports: [ChainModule],
  controllers: [AuditQueryHandlers, ChainVerifyHandlers],
  providers: [AuditEventsQuery, AuditAggregatesQuery],
})
export class AuditQueryModule {}
