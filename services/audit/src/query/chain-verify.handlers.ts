import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { auditChainVerify, type RequestOf, type ResponseOf } from '@portcullis/contracts';
import { BusHandler } from '@portcullis/messaging';
import { ChainVerifier } from '../chain/chain-verifier';

/** `audit.v1.chain.verify`: the verifier's report over the bus (the gateway allows it to `audit:verify` only). */
@Controller()
export class ChainVerifyHandlers {
  constructor(private readonly verifier: ChainVerifier) {}

  @BusHandler(auditChainVerify)
  verify(@Payload() request: RequestOf<typeof auditChainVerify>): Promise<ResponseOf<typeof auditChainVerify>> {
    return this.verifier.verify(request);
  }
}
