import { BadRequestException, ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import {
  registryRoleAssignmentCreated,
  registryRoleAssignmentDeleted,
  registryRoleCreated,
  registryRoleDeleted,
  registryRoleUpdated,
} from '@portcullis/contracts';
import * as z from 'zod';
import { decodeCursor, type Page, type PaginationQuery } from '../http/pagination';
import { encodeCursor } from '../http/pagination';
import { conflictOn, RegistryDb } from '../http/registry-db';
import { RegistryEvents } from '../http/registry-events';
import type { RegistryCaller } from '../http/require-permission';
import { BUILT_IN_ROLES, isBuiltInRole } from './built-in-roles';
import { assertCanGrant } from './grant-check';
import type { createRoleBody, RoleView, updateRoleBody } from './identity-dto';
import { PermissionResolver } from './permission-resolver';

interface RoleRow {
  name: string;
  description: string;
  permissions: string[];
}
const builtInViews = (): RoleView[] =>
  Object.entries(BUILT_IN_ROLES).map(([name, role]) => ({
    name,
    description: role.description,
    permissions: [...role.permissions],
    builtIn: true,
  }));
const customView = (row: RoleRow): RoleView => ({ ...row, builtIn: false });
const roleKey = z.string().max(40);

/** Built-in and custom roles of the caller's organisation, and who holds which. */
@Injectable()
export class RolesService {
  constructor(
    private readonly db: RegistryDb,
    private readonly events: RegistryEvents,
    private readonly resolver: PermissionResolver,
  ) {}

  async list(caller: RegistryCaller, query: PaginationQuery): Promise<Page<RoleView>> {
    const after = decodeCursor(query.cursor, roleKey);
    const custom = await this.db.query<RoleRow>(
      'SELECT name, description, permissions FROM roles WHERE organization_id = $1',
      [caller.tenant],
    );
    const all = [...builtInViews(), ...custom.map(customView)]
      .sort((a, b) => a.name.localeCompare(b.name))
      .filter((role) => after === undefined || role.name > after);
    const items = all.slice(0, query.limit);
    return { items, nextCursor: all.length > query.limit ? encodeCursor(items[items.length - 1].name) : null };
  }

  async find(caller: RegistryCaller, name: string): Promise<RoleView> {
    if (isBuiltInRole(name)) return builtInViews().find((r) => r.name === name)!;
    const [row] = await this.db.query<RoleRow>(
      'SELECT name, description, permissions FROM roles WHERE organization_id = $1 AND name = $2',
      [caller.tenant, name],
    );
    if (!row) throw new NotFoundException(`No role ${name} in your organisation.`);
    return customView(row);
  }

  async create(caller: RegistryCaller, body: z.infer<typeof createRoleBody>): Promise<RoleView> {
    if (isBuiltInRole(body.name)) throw new ConflictException(`${body.name} is a built-in role.`);
    assertCanGrant(caller, body.permissions, `the role ${body.name}`);
    const permissions = [...new Set(body.permissions)].sort();
    const [row] = await conflictOn(
      this.db.query<RoleRow>(
        `INSERT INTO roles (organization_id, name, description, permissions) VALUES ($1, $2, $3, $4)
         RETURNING name, description, permissions`,
        [caller.tenant, body.name, body.description, permissions],
      ),
      `A role ${body.name} already exists.`,
    );
    await this.events.emit(caller, registryRoleCreated, { role: row.name, permissions: row.permissions });
    return customView(row);
  }

  async update(caller: RegistryCaller, name: string, body: z.infer<typeof updateRoleBody>): Promise<RoleView> {
    if (isBuiltInRole(name)) throw new BadRequestException(`${name} is a built-in role and cannot be changed.`);
    if (body.permissions) assertCanGrant(caller, body.permissions, `the role ${name}`);
    const [row] = await this.db.query<RoleRow>(
      `UPDATE roles SET description = coalesce($3, description), permissions = coalesce($4, permissions)
       WHERE organization_id = $1 AND name = $2 RETURNING name, description, permissions`,
      [caller.tenant, name, body.description ?? null, body.permissions ? [...new Set(body.permissions)].sort() : null],
    );
    if (!row) throw new NotFoundException(`No role ${name} in your organisation.`);
    await this.events.emit(caller, registryRoleUpdated, { role: row.name, permissions: row.permissions });
    return customView(row);
  }

  async remove(caller: RegistryCaller, name: string): Promise<void> {
    if (isBuiltInRole(name)) throw new BadRequestException(`${name} is a built-in role and cannot be deleted.`);
    const row = await this.db.transaction(async (tx) => {
      const [deleted] = await tx.query<RoleRow>(
        'DELETE FROM roles WHERE organization_id = $1 AND name = $2 RETURNING name, description, permissions',
        [caller.tenant, name],
      );
      if (!deleted) throw new NotFoundException(`No role ${name} in your organisation.`);
      await tx.query('DELETE FROM role_assignments WHERE organization_id = $1 AND role = $2', [caller.tenant, name]);
      return deleted;
    });
    await this.events.emit(caller, registryRoleDeleted, { role: row.name, permissions: row.permissions });
  }

  /** 400 for a role that does not exist in the organisation, 403 for one granting more than the caller holds. */
  async assertAssignable(caller: RegistryCaller, roles: readonly string[]): Promise<void> {
    const custom = roles.filter((r) => !isBuiltInRole(r));
    if (custom.length > 0) {
      const found = await this.db.query<{ name: string }>(
        'SELECT name FROM roles WHERE organization_id = $1 AND name = ANY($2)',
        [caller.tenant, custom],
      );
      const missing = custom.filter((r) => !found.some((f) => f.name === r));
      if (missing.length > 0) {
        throw new BadRequestException({
          message: `Invalid body: roles ${missing.join(', ')} do not exist in your organisation`,
          errors: missing.map((r) => ({ field: 'body.roles', message: `role ${r} does not exist` })),
        });
      }
    }
    assertCanGrant(caller, await this.resolver.permissionsOf(caller.tenant, roles), `the roles ${roles.join(', ')}`);
  }

  async assign(caller: RegistryCaller, userId: string, role: string): Promise<void> {
    await this.assertUser(caller, userId);
    await this.assertExists(caller, role);
    await this.assertAssignable(caller, [role]);
    const inserted = await this.db.query(
      `INSERT INTO role_assignments (organization_id, user_id, role) VALUES ($1, $2, $3)
       ON CONFLICT DO NOTHING RETURNING role`,
      [caller.tenant, userId, role],
    );
    if (inserted.length > 0) await this.events.emit(caller, registryRoleAssignmentCreated, { userId, role });
  }

  async unassign(caller: RegistryCaller, userId: string, role: string): Promise<void> {
    await this.assertUser(caller, userId);
    if (caller.actor === userId && role === 'admin')
      throw new BadRequestException('You cannot take admin from yourself.');
    const deleted = await this.db.query(
      'DELETE FROM role_assignments WHERE organization_id = $1 AND user_id = $2 AND role = $3 RETURNING role',
      [caller.tenant, userId, role],
    );
    if (deleted.length === 0) throw new NotFoundException(`User ${userId} does not hold the role ${role}.`);
    await this.events.emit(caller, registryRoleAssignmentDeleted, { userId, role });
  }

  private async assertExists(caller: RegistryCaller, role: string): Promise<void> {
    await this.find(caller, role);
  }

  private async assertUser(caller: RegistryCaller, userId: string): Promise<void> {
    const rows = await this.db.query('SELECT 1 FROM users WHERE organization_id = $1 AND id = $2', [
      caller.tenant,
      userId,
    ]);
    if (rows.length === 0) throw new NotFoundException(`No user ${userId} in your organisation.`);
  }
}
