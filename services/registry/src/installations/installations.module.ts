import { Module } from '@nestjs/common';
import { SecretsModule } from '../secrets/secrets.module';
import { InstallationsController } from './installations.controller';
import { InstallationsService } from './installations.service';

/** Installations of catalog entries, their configuration and encrypted credentials. */
@Module({
  imports: [SecretsModule],
  controllers: [InstallationsController],
  providers: [InstallationsService],
  exports: [InstallationsService],
})
export class InstallationsModule {}
