import { Module } from '@nestjs/common';
import { ChainModule } from './chain/chain.module';
import { AuditMetrics } from './ingest/audit-metrics';
import { EventIngestor } from './ingest/event-ingestor.service';
import { ConsumerLag } from './metrics/consumer-lag';
import { AuditMaintenance } from './retention/audit-maintenance.service';
import { AuditQueryModule } from './query/audit-query.module';
import { RollupApplier } from './rollup/rollup-applier.service';

@Module({
  imports: [ChainModule, AuditQueryModule],
  providers: [EventIngestor, AuditMetrics, AuditMaintenance, ConsumerLag, RollupApplier],
})
export class AuditModule {}
