import { createHash, timingSafeEqual } from 'node:crypto';
import { Injectable, ServiceUnavailableException, UnauthorizedException } from '@nestjs/common';
import { AppConfig } from '@portcullis/config';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { GatewayEnv } from '../env';
import { AuthMetrics } from './auth.metrics';
import { ADMIN_CALLER, type AuthenticatedCaller } from './authenticated-caller';
import { TokenVerifier } from './token-verifier';

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

/** Prefixes of the credentials the registry issues: API tokens and console sessions. */
const REGISTRY_TOKEN = /^pc[ls]_[A-Za-z0-9_-]{20,200}$/;

/**
 * Bearer authentication: the configured ADMIN_TOKEN (constant-time; works without the registry), else an API token
 * or console session the registry vouches for. 401 with a WWW-Authenticate challenge when the token is missing or
 * not valid; 503 when the registry cannot be asked.
 */
@Injectable()
export class Authenticator {
  private readonly adminToken: Buffer;

  constructor(
    config: AppConfig<GatewayEnv>,
    private readonly metrics: AuthMetrics,
    private readonly tokens: TokenVerifier,
  ) {
    this.adminToken = digest(config.get('ADMIN_TOKEN'));
  }

  /** The caller of a request that must be authenticated. */
  async authenticate(request: FastifyRequest, reply: FastifyReply): Promise<AuthenticatedCaller> {
    const caller = await this.callerOf(request, reply);
    if (!caller) return this.refuse(reply, 'missing', 'A bearer token is required.');
    return caller;
  }

  /** The caller, or undefined when the request carries no credentials at all (a wrong one is still a 401). */
  async callerOf(request: FastifyRequest, reply: FastifyReply): Promise<AuthenticatedCaller | undefined> {
    const header = request.headers.authorization;
    if (header === undefined) return undefined;
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) return this.refuse(reply, 'missing', 'A bearer token is required.');
    const token = match[1];
    if (timingSafeEqual(digest(token), this.adminToken)) return ADMIN_CALLER;
    if (!REGISTRY_TOKEN.test(token)) return this.refuse(reply, 'invalid', 'The bearer token is not valid.');
    let caller: AuthenticatedCaller | null;
    try {
      caller = await this.tokens.verify(token);
    } catch {
      this.metrics.failures.inc({ reason: 'unverifiable' });
      void reply.header('Retry-After', '5');
      throw new ServiceUnavailableException('The token cannot be checked right now (the registry is unavailable).');
    }
    if (!caller) return this.refuse(reply, 'invalid', 'The bearer token is not valid (unknown, expired or revoked).');
    return caller;
  }

  private refuse(reply: FastifyReply, reason: 'missing' | 'invalid', detail: string): never {
    this.metrics.failures.inc({ reason });
    const error = reason === 'missing' ? '' : ', error="invalid_token"';
    void reply.header('WWW-Authenticate', `Bearer realm="portcullis"${error}`);
    throw new UnauthorizedException(detail);
  }
}
