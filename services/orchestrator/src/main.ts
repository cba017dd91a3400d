import { bootstrapService } from '@portcullis/service-kit';
import { orchestratorEnv } from './env';
import { OrchestratorModule } from './orchestrator.module';

void bootstrapService({
  name: 'orchestrator',
  version: '0.1.0',
  env: orchestratorEnv,
  module: OrchestratorModule,
  // Postgres holds only the event outbox here: requests are served without it.
  database: { migrations: [], requiredForReadiness: false },
});
