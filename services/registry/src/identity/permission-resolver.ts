import { Injectable } from '@nestjs/common';
import { type Queryable, RegistryDb } from '../http/registry-db';
import { BUILT_IN_ROLES, isBuiltInRole } from './built-in-roles';

/** Turns role names into the permissions they grant in one organisation (built-in roles plus its custom roles). */
@Injectable()
export class PermissionResolver {
  constructor(private readonly db: RegistryDb) {}

  async permissionsOf(organizationId: string, roles: readonly string[], tx: Queryable = this.db): Promise<string[]> {
    const granted = new Set<string>();
    const custom: string[] = [];
    for (const role of roles) {
      if (isBuiltInRole(role)) BUILT_IN_ROLES[role].permissions.forEach((p) => granted.add(p));
      else custom.push(role);
    }
    if (custom.length > 0) {
      const rows = await tx.query<{ permissions: string[] }>(
        'SELECT permissions FROM roles WHERE organization_id = $1 AND name = ANY($2)',
        [organizationId, custom],
      );
      for (const row of rows) row.permissions.forEach((p) => granted.add(p));
    }
    return [...granted].sort();
  }

  async rolesOfUser(userId: string, tx: Queryable = this.db): Promise<string[]> {
    const rows = await tx.query<{ role: string }>(
      'SELECT role FROM role_assignments WHERE user_id = $1 ORDER BY role',
      [userId],
    );
    return rows.map((r) => r.role);
  }
}
