import { createParamDecorator, type ExecutionContext, SetMetadata } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

/** Who calls a registry route: authenticated by the gateway, resolved to permissions by the registry. */
export interface RegistryCaller {
  /** User id, or `token:<id>` / `system` for non-user callers. */
  actor: string;
  /** Organisation id the caller acts in; every query is scoped to it. */
  tenant: string;
  roles: readonly string[];
  /** `resource:action` strings, e.g. `catalog:write`; `*:*` is granted by `admin`. */
  permissions: readonly string[];
  /** The organisation's slug: the tenant of events and of the rest of the platform (set by the RBAC guard). */
  tenantSlug?: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    registryCaller?: RegistryCaller;
  }
}

export const PERMISSION_METADATA = 'portcullis:registry-permission';

/** The permission (resource × action) a route needs; enforced by the registry's RBAC guard. */
export const RequirePermission = (resource: string, action: string) =>
  SetMetadata(PERMISSION_METADATA, `${resource}:${action}`);

/** The authenticated caller of the current registry request. */
export const CurrentCaller = createParamDecorator((_: unknown, context: ExecutionContext): RegistryCaller => {
  const caller = context.switchToHttp().getRequest<FastifyRequest>().registryCaller;
  if (!caller) throw new Error('CurrentCaller used on a route the RBAC guard did not authenticate');
  return caller;
});
