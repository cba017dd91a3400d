import { BadRequestException, Injectable, NotFoundException } from '@nestjs/common';
import { registryUserCreated, registryUserDeleted, registryUserUpdated } from '@portcullis/contracts';
import { v7 as uuidv7 } from 'uuid';
import type * as z from 'zod';
import { decodeCursor, type Page, pageOf } from '../http/pagination';
import { conflictOn, type Queryable, RegistryDb } from '../http/registry-db';
import { RegistryEvents } from '../http/registry-events';
import type { RegistryCaller } from '../http/require-permission';
import type { createUserBody, listUsersQuery, updateUserBody, UserView } from './identity-dto';
import { PasswordHasher } from './password-hasher';
import { RolesService } from './roles.service';

interface UserRow {
  id: string;
  email: string;
  name: string;
  disabled: boolean;
  created_at: Date;
  roles: string[] | null;
}

const SELECT_USER = `
  SELECT u.id, u.email, u.name, u.disabled, u.created_at,
         (SELECT array_agg(role ORDER BY role) FROM role_assignments a WHERE a.user_id = u.id) AS roles
  FROM users u`;

const toView = (row: UserRow): UserView => ({
  id: row.id,
  email: row.email,
  name: row.name,
  disabled: row.disabled,
  roles: row.roles ?? [],
  createdAt: row.created_at.toISOString(),
});

/** Users of the caller's organisation; every query is scoped to it, so another organisation's users are 404. */
@Injectable()
export class UsersService {
  constructor(
    private readonly db: RegistryDb,
    private readonly events: RegistryEvents,
    private readonly passwords: PasswordHasher,
    private readonly roles: RolesService,
  ) {}

  async create(caller: RegistryCaller, body: z.infer<typeof createUserBody>): Promise<UserView> {
    await this.roles.assertAssignable(caller, body.roles);
    const passwordHash = body.password ? await this.passwords.hash(body.password) : null;
    const id = uuidv7();
    const user = await conflictOn(
      this.db.transaction(async (tx) => {
        await tx.query(
          'INSERT INTO users (id, organization_id, email, name, password_hash) VALUES ($1, $2, $3, $4, $5)',
          [id, caller.tenant, body.email, body.name, passwordHash],
        );
        for (const role of new Set(body.roles)) {
          await tx.query('INSERT INTO role_assignments (organization_id, user_id, role) VALUES ($1, $2, $3)', [
            caller.tenant,
            id,
            role,
          ]);
        }
        return this.find(caller, id, tx);
      }),
      `A user with the email ${body.email} already exists.`,
    );
    await this.events.emit(caller, registryUserCreated, { userId: id, email: user.email, name: user.name });
    return user;
  }

  async list(caller: RegistryCaller, query: z.infer<typeof listUsersQuery>): Promise<Page<UserView>> {
    const rows = await this.db.query<UserRow>(
      `${SELECT_USER} WHERE u.organization_id = $1 AND ($2::uuid IS NULL OR u.id > $2)
         AND ($3::text IS NULL OR lower(u.email) = lower($3)) ORDER BY u.id LIMIT $4`,
      [caller.tenant, decodeCursor(query.cursor) ?? null, query.email ?? null, query.limit + 1],
    );
    return pageOf(rows, query.limit, (r) => r.id, toView);
  }

  async find(caller: RegistryCaller, id: string, tx: Queryable = this.db): Promise<UserView> {
    const [row] = await tx.query<UserRow>(`${SELECT_USER} WHERE u.organization_id = $1 AND u.id = $2`, [
      caller.tenant,
      id,
    ]);
    if (!row) throw new NotFoundException(`No user ${id} in your organisation.`);
    return toView(row);
  }

  async update(caller: RegistryCaller, id: string, body: z.infer<typeof updateUserBody>): Promise<UserView> {
    if (body.disabled && caller.actor === id) throw new BadRequestException('You cannot disable yourself.');
    const passwordHash = body.password ? await this.passwords.hash(body.password) : null;
    const user = await this.db.transaction(async (tx) => {
      const updated = await tx.query<{ id: string }>(
        `UPDATE users SET name = coalesce($3, name), password_hash = coalesce($4, password_hash),
           disabled = coalesce($5, disabled), updated_at = now()
         WHERE organization_id = $1 AND id = $2 RETURNING id`,
        [caller.tenant, id, body.name ?? null, passwordHash, body.disabled ?? null],
      );
      if (updated.length === 0) throw new NotFoundException(`No user ${id} in your organisation.`);
      // A new password or a disabled account ends every console session of the user.
      if (passwordHash || body.disabled) {
        await tx.query('UPDATE sessions SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL', [id]);
      }
      return this.find(caller, id, tx);
    });
    await this.events.emit(caller, registryUserUpdated, {
      userId: id,
      email: user.email,
      name: user.name,
      passwordChanged: passwordHash !== null,
      disabled: user.disabled,
    });
    return user;
  }

  async remove(caller: RegistryCaller, id: string): Promise<void> {
    if (caller.actor === id) throw new BadRequestException('You cannot delete yourself.');
    const user = await this.find(caller, id);
    const deleted = await this.db.query<{ id: string }>(
      'DELETE FROM users WHERE organization_id = $1 AND id = $2 RETURNING id',
      [caller.tenant, id],
    );
    if (deleted.length === 0) throw new NotFoundException(`No user ${id} in your organisation.`);
    await this.events.emit(caller, registryUserDeleted, { userId: id, email: user.email, name: user.name });
  }
}
