import { ForbiddenException } from '@nestjs/common';
import { permissionGrants } from '@portcullis/contracts';
import type { RegistryCaller } from '../http/require-permission';

/** Nobody hands out more than they hold: a role or token may carry only permissions the caller has. */
export function assertCanGrant(caller: RegistryCaller, permissions: readonly string[], what: string): void {
  const missing = permissions.filter((p) => !permissionGrants(caller.permissions, p));
  if (missing.length > 0) {
    throw new ForbiddenException(`You cannot grant ${what}: it needs ${missing.join(', ')}, which you do not hold.`);
  }
}
