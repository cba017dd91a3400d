/** What a caller may do with the audit trail. */
export type Permission = 'audit:read' | 'audit:verify';

/**
 * The one place roles turn into permissions (custom roles arrive with a later issue and will be read from the
 * registry instead). A role not listed here grants nothing.
 */
export const ROLE_PERMISSIONS: Readonly<Record<string, readonly Permission[]>> = {
  admin: ['audit:read', 'audit:verify'],
};

export function permissionsOf(roles: readonly string[]): ReadonlySet<Permission> {
  return new Set(roles.flatMap((role) => (Object.hasOwn(ROLE_PERMISSIONS, role) ? ROLE_PERMISSIONS[role] : [])));
}
