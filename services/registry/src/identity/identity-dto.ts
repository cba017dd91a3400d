import * as z from 'zod';
import { permissionSchema } from '@portcullis/contracts';
import { paginationQuery } from '../http/pagination';

export const roleName = z
  .string()
  .regex(/^[a-z][a-z0-9-]{1,39}$/, 'must be 2–40 lowercase letters, digits or dashes, starting with a letter');
export const slug = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be 1–63 lowercase letters, digits or dashes');
const email = z.email().max(320);
const displayName = z.string().trim().min(1).max(200);
const password = z.string().min(12, 'must be at least 12 characters').max(1024);

export const userIdParams = z.object({ userId: z.uuid() });
export const teamIdParams = z.object({ teamId: z.uuid() });
export const teamMemberParams = z.object({ teamId: z.uuid(), userId: z.uuid() });
export const roleParams = z.object({ role: roleName });
export const userRoleParams = z.object({ userId: z.uuid(), role: roleName });

export const organizationSchema = z.object({
  id: z.uuid(),
  slug: z.string(),
  name: z.string(),
  createdAt: z.iso.datetime(),
});
export const createOrganizationBody = z
  .object({
    slug,
    name: displayName,
    admin: z.object({ email, name: displayName, password }).strict().optional(),
  })
  .strict();
export const updateOrganizationBody = z.object({ name: displayName }).strict();

export const userSchema = z.object({
  id: z.uuid(),
  email: z.string(),
  name: z.string(),
  disabled: z.boolean(),
  roles: z.array(z.string()),
  createdAt: z.iso.datetime(),
});
export type UserView = z.infer<typeof userSchema>;
export const createUserBody = z
  .object({
    email,
    name: displayName,
    password: password.optional(),
    roles: z.array(roleName).max(20).default(['member']),
  })
  .strict();
export const updateUserBody = z
  .object({ name: displayName.optional(), password: password.optional(), disabled: z.boolean().optional() })
  .strict()
  .refine((body) => Object.keys(body).length > 0, 'name at least one of name, password, disabled');
export const listUsersQuery = paginationQuery
  .extend({ email: z.string().max(320).optional().describe('Exact email (case-insensitive).') })
  .strict();

export const teamSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  description: z.string(),
  members: z.array(z.uuid()),
  createdAt: z.iso.datetime(),
});
export type TeamView = z.infer<typeof teamSchema>;
export const createTeamBody = z.object({ name: displayName, description: z.string().max(2_000).default('') }).strict();
export const updateTeamBody = z
  .object({ name: displayName.optional(), description: z.string().max(2_000).optional() })
  .strict()
  .refine((body) => Object.keys(body).length > 0, 'name at least one of name, description');

export const roleSchema = z.object({
  name: z.string(),
  description: z.string(),
  permissions: z.array(z.string()),
  builtIn: z.boolean(),
});
export type RoleView = z.infer<typeof roleSchema>;
export const createRoleBody = z
  .object({
    name: roleName,
    description: z.string().max(2_000).default(''),
    permissions: z.array(permissionSchema).min(1).max(200),
  })
  .strict();
export const updateRoleBody = z
  .object({
    description: z.string().max(2_000).optional(),
    permissions: z.array(permissionSchema).min(1).max(200).optional(),
  })
  .strict()
  .refine((body) => Object.keys(body).length > 0, 'name at least one of description, permissions');
