import { Module } from '@nestjs/common';
import { SecretsModule } from '../secrets/secrets.module';
import { WorkflowModule } from '../workflow/workflow.module';
import { RequestsController } from './requests.controller';
import { RequestsService } from './requests.service';

/** Installation requests and their approval (REST); the workflow after each decision runs on BullMQ. */
@Module({
  imports: [SecretsModule, WorkflowModule],
  controllers: [RequestsController],
  providers: [RequestsService],
})
export class RequestsModule {}
