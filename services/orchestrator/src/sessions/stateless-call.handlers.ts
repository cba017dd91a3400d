import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { type RequestOf, type ResponseOf, mcpStatelessCall } from '@portcullis/contracts';
import { BusHandler } from '@portcullis/messaging';
import { StatelessCallsService } from './stateless-calls.service';

/** Legs of stateless (2026-07-28) requests on this worker's pooled sessions. */
@Controller()
export class StatelessCallHandlers {
  constructor(private readonly calls: StatelessCallsService) {}

  @BusHandler(mcpStatelessCall)
  call(@Payload() request: RequestOf<typeof mcpStatelessCall>): Promise<ResponseOf<typeof mcpStatelessCall>> {
    return this.calls.run(request);
  }
}
