import { Body, Controller, Query } from '@nestjs/common';
import { ZodValidationPipe } from '@portcullis/service-kit';
import type * as z from 'zod';
import { ApiRoute } from '../http/api-route';
import { pageSchema, paginationQuery, type PaginationQuery } from '../http/pagination';
import { CurrentCaller, type RegistryCaller } from '../http/require-permission';
import { createOrganizationBody, organizationSchema, updateOrganizationBody } from './identity-dto';
import { OrganizationsService } from './organizations.service';

const TAG = 'organizations';

@Controller()
export class OrganizationsController {
  constructor(private readonly organizations: OrganizationsService) {}

  @ApiRoute({
    method: 'POST',
    path: 'api/v1/organizations',
    summary: 'Create an organisation (tenant), optionally with its first admin user',
    tag: TAG,
    access: { permission: ['platform', 'admin'] },
    body: createOrganizationBody,
    responses: { 201: { description: 'Created', schema: organizationSchema } },
  })
  create(
    @CurrentCaller() caller: RegistryCaller,
    @Body(new ZodValidationPipe(createOrganizationBody, 'body')) body: z.infer<typeof createOrganizationBody>,
  ) {
    return this.organizations.create(caller, body);
  }

  @ApiRoute({
    method: 'GET',
    path: 'api/v1/organizations',
    summary: 'List every organisation (platform operator only)',
    tag: TAG,
    access: { permission: ['platform', 'admin'] },
    query: paginationQuery,
    responses: { 200: { description: 'A page of organisations', schema: pageSchema(organizationSchema) } },
  })
  list(@Query(new ZodValidationPipe(paginationQuery.strict(), 'query')) query: PaginationQuery) {
    return this.organizations.list(query);
  }

  @ApiRoute({
    method: 'GET',
    path: 'api/v1/organization',
    summary: "The caller's own organisation",
    tag: TAG,
    access: 'authenticated',
    responses: { 200: { description: 'The organisation', schema: organizationSchema } },
  })
  current(@CurrentCaller() caller: RegistryCaller) {
    return this.organizations.current(caller);
  }

  @ApiRoute({
    method: 'PATCH',
    path: 'api/v1/organization',
    summary: "Rename the caller's organisation (its slug never changes)",
    tag: TAG,
    access: { permission: ['organizations', 'write'] },
    body: updateOrganizationBody,
    responses: { 200: { description: 'The organisation', schema: organizationSchema } },
  })
  rename(
    @CurrentCaller() caller: RegistryCaller,
    @Body(new ZodValidationPipe(updateOrganizationBody, 'body')) body: z.infer<typeof updateOrganizationBody>,
  ) {
    return this.organizations.rename(caller, body.name);
  }
}
