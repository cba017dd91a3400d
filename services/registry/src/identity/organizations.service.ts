import { Injectable, NotFoundException } from '@nestjs/common';
import { registryOrganizationCreated, registryOrganizationUpdated, registryUserCreated } from '@portcullis/contracts';
import { v7 as uuidv7 } from 'uuid';
import type * as z from 'zod';
import { decodeCursor, type Page, pageOf, type PaginationQuery } from '../http/pagination';
import { conflictOn, RegistryDb } from '../http/registry-db';
import { RegistryEvents } from '../http/registry-events';
import type { RegistryCaller } from '../http/require-permission';
import type { createOrganizationBody, organizationSchema } from './identity-dto';
import { PasswordHasher } from './password-hasher';

type Organization = z.infer<typeof organizationSchema>;
interface OrganizationRow {
  id: string;
  slug: string;
  name: string;
  created_at: Date;
}
const toView = (row: OrganizationRow): Organization => ({
  id: row.id,
  slug: row.slug,
  name: row.name,
  createdAt: row.created_at.toISOString(),
});

/** Tenants: created by the platform operator (optionally with a first admin), renamed by their own admins. */
@Injectable()
export class OrganizationsService {
  constructor(
    private readonly db: RegistryDb,
    private readonly events: RegistryEvents,
    private readonly passwords: PasswordHasher,
  ) {}

  async create(caller: RegistryCaller, body: z.infer<typeof createOrganizationBody>): Promise<Organization> {
    const passwordHash = body.admin ? await this.passwords.hash(body.admin.password) : null;
    const id = uuidv7();
    const adminId = uuidv7();
    const row = await conflictOn(
      this.db.transaction(async (tx) => {
        const [created] = await tx.query<OrganizationRow>(
          'INSERT INTO organizations (id, slug, name) VALUES ($1, $2, $3) RETURNING *',
          [id, body.slug, body.name],
        );
        if (body.admin) {
          await tx.query(
            'INSERT INTO users (id, organization_id, email, name, password_hash) VALUES ($1, $2, $3, $4, $5)',
            [adminId, id, body.admin.email, body.admin.name, passwordHash],
          );
          await tx.query(`INSERT INTO role_assignments (organization_id, user_id, role) VALUES ($1, $2, 'admin')`, [
            id,
            adminId,
          ]);
        }
        return created;
      }),
      `An organisation with the slug ${body.slug}, or a user with that email, already exists.`,
    );
    await this.events.emit(caller, registryOrganizationCreated, { organizationId: id, slug: row.slug, name: row.name });
    if (body.admin) {
      const inOrg = { ...caller, tenant: id, tenantSlug: row.slug };
      await this.events.emit(inOrg, registryUserCreated, {
        userId: adminId,
        email: body.admin.email,
        name: body.admin.name,
      });
    }
    return toView(row);
  }

  async list(query: PaginationQuery): Promise<Page<Organization>> {
    const after = decodeCursor(query.cursor);
    const rows = await this.db.query<OrganizationRow>(
      `SELECT * FROM organizations WHERE ($1::uuid IS NULL OR id > $1) ORDER BY id LIMIT $2`,
      [after ?? null, query.limit + 1],
    );
    return pageOf(rows, query.limit, (r) => r.id, toView);
  }

  async current(caller: RegistryCaller): Promise<Organization> {
    const [row] = await this.db.query<OrganizationRow>('SELECT * FROM organizations WHERE id = $1', [caller.tenant]);
    if (!row) throw new NotFoundException('Your organisation no longer exists.');
    return toView(row);
  }

  async rename(caller: RegistryCaller, name: string): Promise<Organization> {
    const [row] = await this.db.query<OrganizationRow>('UPDATE organizations SET name = $2 WHERE id = $1 RETURNING *', [
      caller.tenant,
      name,
    ]);
    if (!row) throw new NotFoundException('Your organisation no longer exists.');
    await this.events.emit(caller, registryOrganizationUpdated, { organizationId: row.id, slug: row.slug, name });
    return toView(row);
  }
}
