import { permissionGrants, permissionSchema } from './permissions';

describe('permissionGrants', () => {
  it('should grant exact permissions and wildcards on either side', () => {
    expect(permissionGrants(['users:read'], 'users:read')).toBe(true);
    expect(permissionGrants(['users:*'], 'users:write')).toBe(true);
    expect(permissionGrants(['*:read'], 'teams:read')).toBe(true);
    expect(permissionGrants(['*:*'], 'audit:verify')).toBe(true);
    expect(permissionGrants(['users:read', 'teams:*'], 'users:write')).toBe(false);
    expect(permissionGrants([], 'users:read')).toBe(false);
  });

  it('should never let a wildcard stand for the platform operator', () => {
    expect(permissionGrants(['*:*'], 'platform:admin')).toBe(false);
    expect(permissionGrants(['*:admin'], 'platform:admin')).toBe(false);
    expect(permissionGrants(['platform:admin'], 'platform:admin')).toBe(true);
  });

  it('should accept only resource:action strings', () => {
    expect(permissionSchema.safeParse('catalog:read').success).toBe(true);
    expect(permissionSchema.safeParse('*:*').success).toBe(true);
    for (const bad of ['catalog', 'catalog:', ':read', 'Catalog:read', 'a:b:c', 'catalog:read ']) {
      expect(permissionSchema.safeParse(bad).success).toBe(false);
    }
  });
});
