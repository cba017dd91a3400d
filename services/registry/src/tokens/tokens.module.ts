import { Module } from '@nestjs/common';
import { IdentityModule } from '../identity/identity.module';
import { CredentialVerifier } from './credential-verifier';
import { TokensVerifyHandlers } from './tokens-verify.handlers';
import { TokensController } from './tokens.controller';
import { TokensService } from './tokens.service';

/** API tokens (REST) and bearer-token verification for the gateway (bus). */
@Module({
  imports: [IdentityModule],
  controllers: [TokensController, TokensVerifyHandlers],
  providers: [TokensService, CredentialVerifier],
})
export class TokensModule {}
