import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { RegistryApiController } from './registry-api.controller';
import { RegistryApiService } from './registry-api.service';

/** The registry's REST API on the gateway's public port. */
@Module({ imports: [AuthModule], controllers: [RegistryApiController], providers: [RegistryApiService] })
export class RegistryApiModule {}
