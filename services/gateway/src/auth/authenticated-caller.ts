import type { WhoAmI } from '@portcullis/contracts';

/** Who made an HTTP request; set by the auth guard on the request object. */
export type AuthenticatedCaller = WhoAmI;

export const ADMIN_CALLER: AuthenticatedCaller = { actor: 'admin', tenant: 'default', roles: ['admin'] };

declare module 'fastify' {
  interface FastifyRequest {
    caller?: AuthenticatedCaller;
  }
}
