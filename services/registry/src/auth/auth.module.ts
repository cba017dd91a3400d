import { Module } from '@nestjs/common';
import { IdentityModule } from '../identity/identity.module';
import { AuthController } from './auth.controller';
import { SessionsService } from './sessions.service';

/** Console sign-in and sign-out (the RBAC guard itself is registered by the HTTP plumbing module). */
@Module({ imports: [IdentityModule], controllers: [AuthController], providers: [SessionsService] })
export class AuthModule {}
