import { Module } from '@nestjs/common';
import { EventIngestor } from './ingest/event-ingestor.service';

@Module({ providers: [EventIngestor] })
export class AuditModule {}
