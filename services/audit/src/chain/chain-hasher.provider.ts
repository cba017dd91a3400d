import type { Provider } from '@nestjs/common';
import { AppConfig } from '@portcullis/config';
import type { AuditEnv } from '../env';
import { ChainHasher } from './chain-hash';

/** The hasher with the service's AUDIT_CHAIN_KEY (ingestion, retention and the verifier must share it). */
export const chainHasherProvider: Provider = {
  provide: ChainHasher,
  useFactory: (config: AppConfig<AuditEnv>) => new ChainHasher(config.get('AUDIT_CHAIN_KEY')),
  inject: [AppConfig],
};
