import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { rememberCaller } from './authenticated-caller';
import { Authenticator } from './authenticator';

/**
 * Bearer authentication for the gateway's routes: the ADMIN_TOKEN, an API token or a console session (see
 * Authenticator). The name stays from the time when only the admin token existed; what a caller may do is decided
 * by the permission checks after it.
 */
@Injectable()
export class AdminTokenGuard implements CanActivate {
  constructor(private readonly authenticator: Authenticator) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    request.caller = await this.authenticator.authenticate(request, context.switchToHttp().getResponse<FastifyReply>());
    rememberCaller(request.raw, request.caller);
    return true;
  }
}
