import {
  type CanActivate,
  type ExecutionContext,
  ForbiddenException,
  Injectable,
  NotFoundException,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { permissionGrants, type RegistryCallerMessage } from '@portcullis/contracts';
import type { FastifyRequest } from 'fastify';
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
 * RBAC on every registry route: only requests the gateway forwarded over the bus are served under /api; the
 * caller they carry is resolved to an organisation, then the route's permission is checked (403 problem details
 * naming it), a missing caller is 401. Routes without access metadata outside /api (health, metrics) pass; under
 * /api they are refused (fail closed).
 */
@Injectable()
export class RbacGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly forwarded: ForwardedRequests,
    private readonly organizations: OrganizationLookup,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const targets = [context.getHandler(), context.getClass()];
    const permission = this.reflector.getAllAndOverride<string | undefined>(PERMISSION_METADATA, targets);
    const access = this.reflector.getAllAndOverride<RouteAccess | undefined>(ACCESS_METADATA, targets);
    const forwarded = this.forwarded.of(request);
    const isApi = request.url.startsWith('/api/');
    if (isApi && !forwarded) throw new NotFoundException(THROUGH_GATEWAY);
    if (!permission && !access) {
      // Fail closed: an API route that declares no access rule (not declared with @ApiRoute) is served to no one.
      if (isApi) throw new ForbiddenException('This route declares no permission, so it is served to no one.');
      return true;
    }
    if (!forwarded) throw new NotFoundException(THROUGH_GATEWAY);
    const caller = forwarded.caller;
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
}
