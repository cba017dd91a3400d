import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { registryToolPins, registryToolReport, type RequestOf, type ResponseOf } from '@portcullis/contracts';
import { BusHandler } from '@portcullis/messaging';
import { ToolPinsService } from './tool-pins.service';

/** The orchestrator's questions about tool pins, and its reports of definitions the pins do not cover. */
@Controller()
export class ToolPinsHandlers {
  constructor(private readonly pins: ToolPinsService) {}

  @BusHandler(registryToolPins)
  pinsOf(@Payload() request: RequestOf<typeof registryToolPins>): Promise<ResponseOf<typeof registryToolPins>> {
    return this.pins.pins(request);
  }

  @BusHandler(registryToolReport)
  report(@Payload() request: RequestOf<typeof registryToolReport>): Promise<ResponseOf<typeof registryToolReport>> {
    return this.pins.report(request);
  }
}
