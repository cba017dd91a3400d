import * as z from 'zod';

/** `resource:action`; either side may be `*` (any), except that `*` never stands for the `platform` resource. */
export const permissionSchema = z
  .string()
  .regex(/^([a-z][a-z0-9-]{0,39}|\*):([a-z][a-z0-9-]{0,39}|\*)$/, 'must look like resource:action (e.g. catalog:read)');

/** Operator of the whole installation (creates organisations): granted only to the bootstrap admin token. */
export const PLATFORM_ADMIN = 'platform:admin';

/** Whether a set of granted permissions (with wildcards) covers the one needed. */
export function permissionGrants(granted: readonly string[], needed: string): boolean {
  const [resource, action] = needed.split(':');
  return granted.some((permission) => {
    const [r, a] = permission.split(':');
    const resourceOk = r === resource || (r === '*' && resource !== 'platform');
    return resourceOk && (a === action || a === '*');
  });
}
