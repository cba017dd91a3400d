import { Controller } from '@nestjs/common';
import { z } from 'zod';
import { ApiRoute } from '../http/api-route';
import { pageSchema } from '../http/pagination';
import { CurrentCaller, type RegistryCaller } from '../http/require-permission';
import { ValidBody, ValidParams, ValidQuery } from '../http/validated';
import {
  type CreateInstallationBody,
  createInstallationBody,
  installation,
  type ListInstallationsQuery,
  listInstallationsQuery,
  type UpdateInstallationBody,
  updateInstallationBody,
} from './installation.schema';
import { InstallationsService } from './installations.service';

const TAG = 'installations';
const READ = { permission: ['installations', 'read'] as [string, string] };
const WRITE = { permission: ['installations', 'write'] as [string, string] };
const params = z.object({ id: z.uuid({ message: 'must be a UUID' }) });
type Params = z.infer<typeof params>;

@Controller()
export class InstallationsController {
  constructor(private readonly installations: InstallationsService) {}

  @ApiRoute({
    method: 'GET',
    path: 'api/v1/installations',
    summary: "List the organisation's installations (filter by entry, scope, subject, status)",
    tag: TAG,
    access: READ,
    query: listInstallationsQuery,
    responses: { 200: { description: 'A page of installations', schema: pageSchema(installation) } },
  })
  list(
    @CurrentCaller() caller: RegistryCaller,
    @ValidQuery(listInstallationsQuery.strict()) query: ListInstallationsQuery,
  ) {
    return this.installations.list(caller, query);
  }

  @ApiRoute({
    method: 'POST',
    path: 'api/v1/installations',
    summary: 'Install a catalog entry for the organisation, a team or a user (status: requested)',
    tag: TAG,
    access: WRITE,
    body: createInstallationBody,
    responses: { 201: { description: 'Created; credentials show only whether they are set', schema: installation } },
  })
  create(@CurrentCaller() caller: RegistryCaller, @ValidBody(createInstallationBody) body: CreateInstallationBody) {
    return this.installations.create(caller, body);
  }

  @ApiRoute({
    method: 'GET',
    path: 'api/v1/installations/:id',
    summary: 'One installation',
    tag: TAG,
    access: READ,
    params,
    responses: { 200: { description: 'The installation', schema: installation } },
  })
  get(@CurrentCaller() caller: RegistryCaller, @ValidParams(params) path: Params) {
    return this.installations.get(caller, path.id);
  }

  @ApiRoute({
    method: 'PATCH',
    path: 'api/v1/installations/:id',
    summary: 'Change configuration values or credentials (null removes one)',
    tag: TAG,
    access: WRITE,
    params,
    body: updateInstallationBody,
    responses: { 200: { description: 'The installation', schema: installation } },
  })
  update(
    @CurrentCaller() caller: RegistryCaller,
    @ValidParams(params) path: Params,
    @ValidBody(updateInstallationBody) body: UpdateInstallationBody,
  ) {
    return this.installations.update(caller, path.id, body);
  }

  @ApiRoute({
    method: 'DELETE',
    path: 'api/v1/installations/:id',
    summary: 'Remove an installation and its stored credentials',
    tag: TAG,
    access: WRITE,
    params,
    responses: { 204: { description: 'Deleted' } },
  })
  delete(@CurrentCaller() caller: RegistryCaller, @ValidParams(params) path: Params) {
    return this.installations.delete(caller, path.id);
  }
}
