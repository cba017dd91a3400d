import { Controller } from '@nestjs/common';
import { z } from 'zod';
import { ApiRoute } from '../http/api-route';
import { pageSchema } from '../http/pagination';
import { CurrentCaller, type RegistryCaller } from '../http/require-permission';
import { ValidBody, ValidParams, ValidQuery } from '../http/validated';
import {
  type CreateGatewayBody,
  createGatewayBody,
  gateway,
  type ListGatewaysQuery,
  listGatewaysQuery,
  type UpdateGatewayBody,
  updateGatewayBody,
} from './gateway.schema';
import { GatewaysService } from './gateways.service';

const TAG = 'gateways';
const READ = { permission: ['gateways', 'read'] as [string, string] };
const WRITE = { permission: ['gateways', 'write'] as [string, string] };
const params = z.object({ id: z.uuid({ message: 'must be a UUID' }) });
type Params = z.infer<typeof params>;

@Controller()
export class GatewaysController {
  constructor(private readonly gateways: GatewaysService) {}

  @ApiRoute({
    method: 'GET',
    path: 'api/v1/gateways',
    summary: "List the organisation's gateways (filter by text or assigned installation)",
    tag: TAG,
    access: READ,
    query: listGatewaysQuery,
    responses: { 200: { description: 'A page of gateways', schema: pageSchema(gateway) } },
  })
  list(@CurrentCaller() caller: RegistryCaller, @ValidQuery(listGatewaysQuery.strict()) query: ListGatewaysQuery) {
    return this.gateways.list(caller, query);
  }

  @ApiRoute({
    method: 'POST',
    path: 'api/v1/gateways',
    summary: 'Create a gateway: its MCP URL is /v1/mcp/{slug}',
    tag: TAG,
    access: WRITE,
    body: createGatewayBody,
    responses: { 201: { description: 'Created', schema: gateway } },
  })
  create(@CurrentCaller() caller: RegistryCaller, @ValidBody(createGatewayBody) body: CreateGatewayBody) {
    return this.gateways.create(caller, body);
  }

  @ApiRoute({
    method: 'GET',
    path: 'api/v1/gateways/:id',
    summary: 'One gateway',
    tag: TAG,
    access: READ,
    params,
    responses: { 200: { description: 'The gateway', schema: gateway } },
  })
  get(@CurrentCaller() caller: RegistryCaller, @ValidParams(params) path: Params) {
    return this.gateways.get(caller, path.id);
  }

  @ApiRoute({
    method: 'PATCH',
    path: 'api/v1/gateways/:id',
    summary: 'Change settings; `servers` and `access`, when given, replace the current ones',
    tag: TAG,
    access: WRITE,
    params,
    body: updateGatewayBody,
    responses: { 200: { description: 'The gateway', schema: gateway } },
  })
  update(
    @CurrentCaller() caller: RegistryCaller,
    @ValidParams(params) path: Params,
    @ValidBody(updateGatewayBody) body: UpdateGatewayBody,
  ) {
    return this.gateways.update(caller, path.id, body);
  }

  @ApiRoute({
    method: 'DELETE',
    path: 'api/v1/gateways/:id',
    summary: 'Delete a gateway (its installations stay)',
    tag: TAG,
    access: WRITE,
    params,
    responses: { 204: { description: 'Deleted' } },
  })
  delete(@CurrentCaller() caller: RegistryCaller, @ValidParams(params) path: Params) {
    return this.gateways.delete(caller, path.id);
  }
}
