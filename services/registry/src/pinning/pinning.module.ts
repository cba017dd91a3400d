import { Module } from '@nestjs/common';
import { WorkflowModule } from '../workflow/workflow.module';
import { ToolApprovalsController } from './tool-approvals.controller';
import { ToolApprovalsService } from './tool-approvals.service';
import { ToolPinsHandlers } from './tool-pins.handlers';
import { ToolPinsService } from './tool-pins.service';

/**
 * Tool-definition pinning: the pins the data path checks upstream definitions against, what it reports when they
 * differ (withheld, a tool approval request, an event), and the approvals (REST `/api/v1/tool-approvals`).
 */
@Module({
  imports: [WorkflowModule],
  controllers: [ToolApprovalsController, ToolPinsHandlers],
  providers: [ToolApprovalsService, ToolPinsService],
})
export class PinningModule {}
