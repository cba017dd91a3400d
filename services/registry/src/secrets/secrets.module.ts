import { Module } from '@nestjs/common';
import { AppConfig } from '@portcullis/config';
import type { RegistryEnv } from '../env';
import { secretKeyRingFromEnv } from './secret-key-ring.config';
import { SECRET_KEY_RING, SecretStore } from './secret-store';

/** Encrypted secrets at rest; the key ring comes from REGISTRY_SECRET_KEYS. */
@Module({
  providers: [
    {
      provide: SECRET_KEY_RING,
      inject: [AppConfig],
      useFactory: (config: AppConfig<RegistryEnv>) =>
        secretKeyRingFromEnv({
          NODE_ENV: config.get('NODE_ENV'),
          REGISTRY_SECRET_KEYS: config.get('REGISTRY_SECRET_KEYS'),
        }),
    },
    SecretStore,
  ],
  exports: [SecretStore, SECRET_KEY_RING],
})
export class SecretsModule {}
