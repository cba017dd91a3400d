import type { IncomingMessage } from 'node:http';
import { type Actor, PLATFORM_ADMIN, type RegistryCallerMessage, type WhoAmI } from '@portcullis/contracts';

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

/** Callers by raw Node request, for code that only sees `request.raw` (the MCP transports). */
const RAW_CALLERS = new WeakMap<IncomingMessage, AuthenticatedCaller>();

export const rememberCaller = (raw: IncomingMessage, caller: AuthenticatedCaller): void => {
  RAW_CALLERS.set(raw, caller);
};

/** The authenticated caller of a raw request (undefined before authentication). */
export const callerOfRaw = (raw: IncomingMessage): AuthenticatedCaller | undefined => RAW_CALLERS.get(raw);

/**
 * Whom an event names for a caller: its organisation, and as actor the token (`admin`, the bootstrap token, or
 * `token:<id>`) or the signed-in user.
 */
export function eventIdentityOf(caller: { tenant: string; actor: string } | undefined): {
  tenant: string;
  actor: Actor;
} {
  if (!caller) return { tenant: ADMIN_CALLER.tenant, actor: { type: 'token', id: 'admin' } };
  const { tenant, actor } = caller;
  if (actor === 'admin') return { tenant, actor: { type: 'token', id: 'admin' } };
  if (actor.startsWith('token:')) return { tenant, actor: { type: 'token', id: actor.slice('token:'.length) } };
  return { tenant, actor: { type: 'user', id: actor } };
}
