import { permissionGrants } from '@portcullis/contracts';
import type { AuthenticatedCaller } from '../auth/authenticated-caller';

/** What a caller may do with the audit trail: ordinary permissions, held by `admin` (`*:*`) or any custom role. */
export type Permission = 'audit:read' | 'audit:verify';

/** Whether the caller's resolved permissions (from the registry, or the admin token's) grant this one. */
export const callerMay = (caller: Pick<AuthenticatedCaller, 'permissions'>, permission: Permission): boolean =>
  permissionGrants(caller.permissions ?? [], permission);
