import { Controller } from '@nestjs/common';
import type * as z from 'zod';
import { ApiRoute } from '../http/api-route';
import { pageSchema, paginationQuery, type PaginationQuery } from '../http/pagination';
import { CurrentCaller, type RegistryCaller } from '../http/require-permission';
import { ValidBody, ValidParams, ValidQuery } from '../http/validated';
import { createRoleBody, roleParams, roleSchema, updateRoleBody } from './identity-dto';
import { RolesService } from './roles.service';

const TAG = 'roles';
type RoleName = z.infer<typeof roleParams>;

@Controller()
export class RolesController {
  constructor(private readonly roles: RolesService) {}

  @ApiRoute({
    method: 'GET',
    path: 'api/v1/roles',
    summary: 'List the built-in and custom roles of your organisation',
    tag: TAG,
    access: { permission: ['roles', 'read'] },
    query: paginationQuery,
    responses: { 200: { description: 'A page of roles', schema: pageSchema(roleSchema) } },
  })
  list(@CurrentCaller() caller: RegistryCaller, @ValidQuery(paginationQuery.strict()) query: PaginationQuery) {
    return this.roles.list(caller, query);
  }

  @ApiRoute({
    method: 'POST',
    path: 'api/v1/roles',
    summary: 'Create a custom role from permissions (resource:action)',
    tag: TAG,
    access: { permission: ['roles', 'write'] },
    body: createRoleBody,
    responses: { 201: { description: 'Created', schema: roleSchema } },
  })
  create(@CurrentCaller() caller: RegistryCaller, @ValidBody(createRoleBody) body: z.infer<typeof createRoleBody>) {
    return this.roles.create(caller, body);
  }

  @ApiRoute({
    method: 'GET',
    path: 'api/v1/roles/:role',
    summary: 'One role',
    tag: TAG,
    access: { permission: ['roles', 'read'] },
    params: roleParams,
    responses: { 200: { description: 'The role', schema: roleSchema } },
  })
  find(@CurrentCaller() caller: RegistryCaller, @ValidParams(roleParams) params: RoleName) {
    return this.roles.find(caller, params.role);
  }

  @ApiRoute({
    method: 'PATCH',
    path: 'api/v1/roles/:role',
    summary: 'Change a custom role’s description or permissions',
    tag: TAG,
    access: { permission: ['roles', 'write'] },
    params: roleParams,
    body: updateRoleBody,
    responses: { 200: { description: 'The role', schema: roleSchema } },
  })
  update(
    @CurrentCaller() caller: RegistryCaller,
    @ValidParams(roleParams) params: RoleName,
    @ValidBody(updateRoleBody) body: z.infer<typeof updateRoleBody>,
  ) {
    return this.roles.update(caller, params.role, body);
  }

  @ApiRoute({
    method: 'DELETE',
    path: 'api/v1/roles/:role',
    summary: 'Delete a custom role (unassigning it from everyone)',
    tag: TAG,
    access: { permission: ['roles', 'write'] },
    params: roleParams,
    responses: { 204: { description: 'Deleted' } },
  })
  remove(@CurrentCaller() caller: RegistryCaller, @ValidParams(roleParams) params: RoleName) {
    return this.roles.remove(caller, params.role);
  }
}
