import { PLATFORM_ADMIN, type RegistryCallerMessage, type WhoAmI } from '@portcullis/contracts';

/**
 * Who made an HTTP request, set by the auth guard on the request object: actor, tenant (organisation slug), roles,
 * the permissions those roles resolve to (from the registry), and the credential used.
 */
export type AuthenticatedCaller = WhoAmI & Pick<RegistryCallerMessage, 'permissions' | 'credential'>;

/** The bootstrap ADMIN_TOKEN: admin of the `default` organisation and operator of the platform. */
export const ADMIN_CALLER: AuthenticatedCaller = {
  actor: 'admin',
  tenant: 'default',
  roles: ['admin'],
  permissions: ['*:*', PLATFORM_ADMIN],
  credential: { type: 'admin', id: 'admin' },
};

declare module 'fastify' {
  interface FastifyRequest {
    caller?: AuthenticatedCaller;
  }
}
