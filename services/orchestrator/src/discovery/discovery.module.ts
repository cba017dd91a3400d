import { Module } from '@nestjs/common';
import { DiscoveryHandlers } from './discovery.handlers';
import { DiscoveryService } from './discovery.service';

/** Tool discovery for the registry's deploy step. */
@Module({ controllers: [DiscoveryHandlers], providers: [DiscoveryService] })
export class DiscoveryModule {}
