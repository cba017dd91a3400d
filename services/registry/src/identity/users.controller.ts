import { Controller } from '@nestjs/common';
import type * as z from 'zod';
import { ApiRoute } from '../http/api-route';
import { pageSchema } from '../http/pagination';
import { CurrentCaller, type RegistryCaller } from '../http/require-permission';
import { ValidBody, ValidParams, ValidQuery } from '../http/validated';
import {
  createUserBody,
  listUsersQuery,
  updateUserBody,
  userIdParams,
  userRoleParams,
  userSchema,
} from './identity-dto';
import { RolesService } from './roles.service';
import { UsersService } from './users.service';

const TAG = 'users';
type UserId = z.infer<typeof userIdParams>;
type UserRole = z.infer<typeof userRoleParams>;

@Controller()
export class UsersController {
  constructor(
    private readonly users: UsersService,
    private readonly roles: RolesService,
  ) {}

  @ApiRoute({
    method: 'POST',
    path: 'api/v1/users',
    summary: 'Create a user in your organisation (with roles; default member)',
    tag: TAG,
    access: { permission: ['users', 'write'] },
    body: createUserBody,
    responses: { 201: { description: 'Created', schema: userSchema } },
  })
  create(@CurrentCaller() caller: RegistryCaller, @ValidBody(createUserBody) body: z.infer<typeof createUserBody>) {
    return this.users.create(caller, body);
  }

  @ApiRoute({
    method: 'GET',
    path: 'api/v1/users',
    summary: 'List the users of your organisation',
    tag: TAG,
    access: { permission: ['users', 'read'] },
    query: listUsersQuery,
    responses: { 200: { description: 'A page of users', schema: pageSchema(userSchema) } },
  })
  list(@CurrentCaller() caller: RegistryCaller, @ValidQuery(listUsersQuery) query: z.infer<typeof listUsersQuery>) {
    return this.users.list(caller, query);
  }

  @ApiRoute({
    method: 'GET',
    path: 'api/v1/users/:userId',
    summary: 'One user',
    tag: TAG,
    access: { permission: ['users', 'read'] },
    params: userIdParams,
    responses: { 200: { description: 'The user', schema: userSchema } },
  })
  find(@CurrentCaller() caller: RegistryCaller, @ValidParams(userIdParams) params: UserId) {
    return this.users.find(caller, params.userId);
  }

  @ApiRoute({
    method: 'PATCH',
    path: 'api/v1/users/:userId',
    summary: 'Change a user’s name or password, or disable them (ends their sessions)',
    tag: TAG,
    access: { permission: ['users', 'write'] },
    params: userIdParams,
    body: updateUserBody,
    responses: { 200: { description: 'The user', schema: userSchema } },
  })
  update(
    @CurrentCaller() caller: RegistryCaller,
    @ValidParams(userIdParams) params: UserId,
    @ValidBody(updateUserBody) body: z.infer<typeof updateUserBody>,
  ) {
    return this.users.update(caller, params.userId, body);
  }

  @ApiRoute({
    method: 'DELETE',
    path: 'api/v1/users/:userId',
    summary: 'Delete a user with their sessions, tokens, memberships and role assignments',
    tag: TAG,
    access: { permission: ['users', 'write'] },
    params: userIdParams,
    responses: { 204: { description: 'Deleted' } },
  })
  remove(@CurrentCaller() caller: RegistryCaller, @ValidParams(userIdParams) params: UserId) {
    return this.users.remove(caller, params.userId);
  }

  @ApiRoute({
    method: 'PUT',
    path: 'api/v1/users/:userId/roles/:role',
    summary: 'Assign a role to a user (no more than you hold yourself)',
    tag: TAG,
    access: { permission: ['roles', 'write'] },
    params: userRoleParams,
    responses: { 204: { description: 'Assigned' } },
  })
  assign(@CurrentCaller() caller: RegistryCaller, @ValidParams(userRoleParams) params: UserRole) {
    return this.roles.assign(caller, params.userId, params.role);
  }

  @ApiRoute({
    method: 'DELETE',
    path: 'api/v1/users/:userId/roles/:role',
    summary: 'Take a role from a user',
    tag: TAG,
    access: { permission: ['roles', 'write'] },
    params: userRoleParams,
    responses: { 204: { description: 'Unassigned' } },
  })
  unassign(@CurrentCaller() caller: RegistryCaller, @ValidParams(userRoleParams) params: UserRole) {
    return this.roles.unassign(caller, params.userId, params.role);
  }
}
