import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { mcpLegacySsePost, type RequestOf, type ResponseOf } from '@portcullis/contracts';
import { BusHandler } from '@portcullis/messaging';
import { LegacySseService } from './legacy-sse.service';

/** POSTs of legacy HTTP+SSE clients that landed on another replica, for the streams this replica holds. */
@Controller()
export class LegacySseHandlers {
  constructor(private readonly legacy: LegacySseService) {}

  @BusHandler(mcpLegacySsePost)
  post(@Payload() request: RequestOf<typeof mcpLegacySsePost>): ResponseOf<typeof mcpLegacySsePost> {
    return { accepted: this.legacy.deliver(request.stream, request.message) };
  }
}
