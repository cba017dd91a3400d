import { type CanActivate, type ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import { AppConfig } from '@portcullis/config';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { GatewayEnv } from '../env';
import { AuthMetrics } from './auth.metrics';
import { ADMIN_CALLER } from './authenticated-caller';

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

/** Bearer-token check against the configured admin token (constant-time); 401 with a WWW-Authenticate challenge. */
@Injectable()
export class AdminTokenGuard implements CanActivate {
  private readonly expected: Buffer;

  constructor(
    config: AppConfig<GatewayEnv>,
    private readonly metrics: AuthMetrics,
  ) {
    this.expected = digest(config.get('ADMIN_TOKEN'));
  }

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    const header = request.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) return this.refuse(reply, 'missing', 'A bearer token is required.');
    if (!timingSafeEqual(digest(match[1]), this.expected))
      return this.refuse(reply, 'invalid', 'The bearer token is not valid.');
    request.caller = ADMIN_CALLER;
    return true;
  }

  private refuse(reply: FastifyReply, reason: 'missing' | 'invalid', detail: string): never {
    this.metrics.failures.inc({ reason });
    const error = reason === 'missing' ? '' : ', error="invalid_token"';
    void reply.header('WWW-Authenticate', `Bearer realm="portcullis"${error}`);
    throw new UnauthorizedException(detail);
  }
}
