import { Module } from '@nestjs/common';
import { GatewaysModule } from '../gateways/gateways.module';
import { SecretsModule } from '../secrets/secrets.module';
import { ApprovalWebhook } from './approval-webhook';
import { DeployStep } from './deploy-step';
import { RequestTimerSteps } from './request-timer-steps';
import { TransactionalEvents } from './transactional-events';
import { WorkflowQueue } from './workflow-queue';
import { WorkflowRunner } from './workflow-runner';

/** The installation-request workflow on BullMQ: notify, remind, expire, deploy; reconciled with the database. */
@Module({
  imports: [SecretsModule, GatewaysModule],
  providers: [ApprovalWebhook, DeployStep, RequestTimerSteps, TransactionalEvents, WorkflowQueue, WorkflowRunner],
  exports: [TransactionalEvents, WorkflowQueue],
})
export class WorkflowModule {}
