import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { orchestratorDiscover, type RequestOf, type ResponseOf } from '@portcullis/contracts';
import { BusHandler } from '@portcullis/messaging';
import { DiscoveryService } from './discovery.service';

/** `orchestrator.v1.discover`: any worker starts the server once and answers what it lists. */
@Controller()
export class DiscoveryHandlers {
  constructor(private readonly discovery: DiscoveryService) {}

  @BusHandler(orchestratorDiscover)
  discover(
    @Payload() request: RequestOf<typeof orchestratorDiscover>,
  ): Promise<ResponseOf<typeof orchestratorDiscover>> {
    return this.discovery.discover(request);
  }
}
