import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { registryTokensVerify, type RequestOf, type ResponseOf } from '@portcullis/contracts';
import { BusHandler } from '@portcullis/messaging';
import { CredentialVerifier } from './credential-verifier';

/** The gateway's question for every bearer token it does not know: whose is it, and what may they do? */
@Controller()
export class TokensVerifyHandlers {
  constructor(private readonly verifier: CredentialVerifier) {}

  @BusHandler(registryTokensVerify)
  verify(@Payload() request: RequestOf<typeof registryTokensVerify>): Promise<ResponseOf<typeof registryTokensVerify>> {
    return this.verifier.verify(request.token);
  }
}
