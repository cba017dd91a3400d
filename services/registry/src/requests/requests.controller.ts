import { Controller } from '@nestjs/common';
import { z } from 'zod';
import { ApiRoute } from '../http/api-route';
import { pageSchema } from '../http/pagination';
import { CurrentCaller, type RegistryCaller } from '../http/require-permission';
import { ValidBody, ValidParams, ValidQuery } from '../http/validated';
import {
  type ApproveRequestBody,
  approveRequestBody,
  type CreateRequestBody,
  createRequestBody,
  type DeclineRequestBody,
  declineRequestBody,
  installationRequest,
  type ListRequestsQuery,
  listRequestsQuery,
} from './request.schema';
import { RequestsService } from './requests.service';

const TAG = 'installation-requests';
const params = z.object({ id: z.uuid({ message: 'must be a UUID' }) });
type Params = z.infer<typeof params>;

@Controller()
export class RequestsController {
  constructor(private readonly requests: RequestsService) {}

  @ApiRoute({
    method: 'GET',
    path: 'api/v1/installation-requests',
    summary: "List the organisation's installation requests (filter by status, entry, requester)",
    tag: TAG,
    access: { permission: ['requests', 'read'] },
    query: listRequestsQuery,
    responses: { 200: { description: 'A page of requests', schema: pageSchema(installationRequest) } },
  })
  list(@CurrentCaller() caller: RegistryCaller, @ValidQuery(listRequestsQuery.strict()) query: ListRequestsQuery) {
    return this.requests.list(caller, query);
  }

  @ApiRoute({
    method: 'POST',
    path: 'api/v1/installation-requests',
    summary: 'Request a catalog entry (or a custom server) to be installed; it waits for an approver',
    tag: TAG,
    access: { permission: ['requests', 'create'] },
    body: createRequestBody,
    responses: {
      201: { description: 'Created (pending); credentials are stored encrypted', schema: installationRequest },
    },
  })
  create(@CurrentCaller() caller: RegistryCaller, @ValidBody(createRequestBody) body: CreateRequestBody) {
    return this.requests.create(caller, body);
  }

  @ApiRoute({
    method: 'GET',
    path: 'api/v1/installation-requests/:id',
    summary: 'One installation request, with its installation once approved',
    tag: TAG,
    access: { permission: ['requests', 'read'] },
    params,
    responses: { 200: { description: 'The request', schema: installationRequest } },
  })
  get(@CurrentCaller() caller: RegistryCaller, @ValidParams(params) path: Params) {
    return this.requests.get(caller, path.id);
  }

  @ApiRoute({
    method: 'POST',
    path: 'api/v1/installation-requests/:id/approve',
    summary:
      'Approve a pending request: creates the installation and deploys it (a custom server also needs catalog:write)',
    tag: TAG,
    access: { permission: ['requests', 'approve'] },
    params,
    body: approveRequestBody,
    responses: { 200: { description: 'Approved; the installation is being deployed', schema: installationRequest } },
  })
  approve(
    @CurrentCaller() caller: RegistryCaller,
    @ValidParams(params) path: Params,
    @ValidBody(approveRequestBody) body: ApproveRequestBody,
  ) {
    return this.requests.approve(caller, path.id, body);
  }

  @ApiRoute({
    method: 'POST',
    path: 'api/v1/installation-requests/:id/decline',
    summary: 'Decline a pending request, with a reason',
    tag: TAG,
    access: { permission: ['requests', 'approve'] },
    params,
    body: declineRequestBody,
    responses: { 200: { description: 'Declined', schema: installationRequest } },
  })
  decline(
    @CurrentCaller() caller: RegistryCaller,
    @ValidParams(params) path: Params,
    @ValidBody(declineRequestBody) body: DeclineRequestBody,
  ) {
    return this.requests.decline(caller, path.id, body);
  }
}
