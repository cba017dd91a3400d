import { All, Controller, Req, Res } from '@nestjs/common';
import { callerScope } from '@portcullis/messaging';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Authenticator } from '../auth/authenticator';
import { RegistryApiService } from './registry-api.service';

/**
 * `/api/v1/…` routes the gateway does not serve itself (auth/me, audit, system) belong to the registry: the caller
 * is authenticated here (requests without credentials go on anonymous, for login and the OpenAPI document; the
 * registry decides), the request crosses the bus, and status, headers and body come back unchanged.
 */
@Controller()
export class RegistryApiController {
  constructor(
    private readonly authenticator: Authenticator,
    private readonly registry: RegistryApiService,
  ) {}

  @All('api/v1/*')
  async forward(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const caller = await this.authenticator.callerOf(request, reply);
    request.caller = caller;
    const scope = caller ? { tenant: caller.tenant, actor: caller.actor } : undefined;
    const answer = await (scope
      ? callerScope.run(scope, () => this.registry.forward(request, caller))
      : this.registry.forward(request, caller));
    void reply.status(answer.status).headers(answer.headers).send(answer.body);
  }
}
