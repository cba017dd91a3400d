import {
  type CanActivate,
  type ExecutionContext,
  ForbiddenException,
  Injectable,
  NotFoundException,
  UnauthorizedException,
} from '@nestjs/common';
import { ModuleRef, Reflector } from '@nestjs/core';
import { permissionGrants, type RegistryCallerMessage } from '@portcullis/contracts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CredentialVerifier } from '../tokens/credential-verifier';
import { ForwardedRequests } from '../http/forwarded-requests';
import { OrganizationLookup } from '../http/organization-lookup';
import { PERMISSION_METADATA } from '../http/require-permission';
import { ACCESS_METADATA, type RouteAccess } from '../http/route-access';

declare module 'fastify' {
  interface FastifyRequest {
    /** The credential the gateway authenticated (admin token, session or API token), for logout and audits. */
    registryCredential?: RegistryCallerMessage['credential'];
  }
}

const THROUGH_GATEWAY = 'The registry API is served through the gateway at /api/v1.';

/**
 * RBAC on every registry route. Requests come two ways: forwarded by the gateway over the bus (the caller it
 * authenticated rides along, unforgeably), or straight to the registry's own port with a bearer token the
 * registry issued itself (API token or console session; the gateway's static admin token is not known here) —
 * the way in for operators and automation when the bus or the gateway is down, since changes made then still
 * reach the audit trail through the outbox. The caller is resolved to an organisation, then the route's
 * permission is checked (403 problem details naming it); a missing or invalid credential is 401. Routes without
 * access metadata outside /api (health, metrics) pass; under /api they are refused (fail closed).
 */
@Injectable()
export class RbacGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly forwarded: ForwardedRequests,
    private readonly organizations: OrganizationLookup,
    private readonly modules: ModuleRef,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const targets = [context.getHandler(), context.getClass()];
    const permission = this.reflector.getAllAndOverride<string | undefined>(PERMISSION_METADATA, targets);
    const access = this.reflector.getAllAndOverride<RouteAccess | undefined>(ACCESS_METADATA, targets);
    const forwarded = this.forwarded.of(request);
    const isApi = request.url.startsWith('/api/');
    if (!permission && !access) {
      // Fail closed: an API route that declares no access rule (not declared with @ApiRoute) is served to no one.
      if (isApi) throw new ForbiddenException('This route declares no permission, so it is served to no one.');
      return true;
    }
    if (!forwarded && !isApi) throw new NotFoundException(THROUGH_GATEWAY);
    const caller = forwarded ? forwarded.caller : await this.directCaller(context);
    if (caller) {
      const organizationId = await this.organizations.idOf(caller.tenant);
      if (!organizationId) throw new UnauthorizedException(`The organisation ${caller.tenant} does not exist.`);
      request.registryCaller = {
        actor: caller.actor,
        tenant: organizationId,
        tenantSlug: caller.tenant,
        roles: caller.roles,
        permissions: caller.permissions,
      };
      request.registryCredential = caller.credential;
    }
    if (access === 'public') return true;
    if (!request.registryCaller) throw new UnauthorizedException('A bearer token is required.');
    if (permission && !permissionGrants(request.registryCaller.permissions, permission)) {
      throw new ForbiddenException(`This needs the permission ${permission}, which none of your roles grants.`);
    }
    return true;
  }

  /** The caller of a request made straight to this port: none without a bearer token, 401 for a bad one. */
  private async directCaller(context: ExecutionContext): Promise<RegistryCallerMessage | null> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const match = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '');
    if (!match) return null;
    const verdict = await this.modules.get(CredentialVerifier, { strict: false }).verify(match[1]);
    if (verdict.valid) return verdict.caller;
    void context
      .switchToHttp()
      .getResponse<FastifyReply>()
      .header('WWW-Authenticate', 'Bearer realm="portcullis", error="invalid_token"');
    throw new UnauthorizedException(`The bearer token is not valid (${verdict.reason}).`);
  }
}
