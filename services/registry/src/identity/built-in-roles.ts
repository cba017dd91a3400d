/** The roles every organisation has; they are not stored and cannot be changed or deleted. */
export const BUILT_IN_ROLES: Readonly<Record<string, { description: string; permissions: readonly string[] }>> = {
  admin: { description: 'Everything in the organisation.', permissions: ['*:*'] },
  editor: {
    description: 'Curates the catalog, installations and gateways; reads identities and the audit trail.',
    permissions: [
      'catalog:*',
      'installations:*',
      'gateways:*',
      'requests:*',
      'secrets:write',
      'users:read',
      'teams:read',
      'roles:read',
      'audit:read',
    ],
  },
  member: {
    description: 'Browses the catalog and gateways, requests installations, sees who is in the organisation.',
    permissions: [
      'catalog:read',
      'gateways:read',
      'gateways:use',
      'installations:read',
      'requests:read',
      'requests:create',
      'users:read',
      'teams:read',
    ],
  },
};

export const isBuiltInRole = (name: string): boolean => Object.hasOwn(BUILT_IN_ROLES, name);
