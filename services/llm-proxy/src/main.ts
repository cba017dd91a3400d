import { bootstrapService } from '@portcullis/service-kit';
import { llmProxyEnv } from './env';
import { LlmProxyModule } from './llm-proxy.module';

void bootstrapService({
  name: 'llm-proxy',
  version: '0.1.0',
  env: llmProxyEnv,
  module: LlmProxyModule,
  database: { migrations: [] },
  redis: true,
});
