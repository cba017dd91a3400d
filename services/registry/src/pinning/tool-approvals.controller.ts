import { Controller } from '@nestjs/common';
import { z } from 'zod';
import { ApiRoute } from '../http/api-route';
import { pageSchema } from '../http/pagination';
import { CurrentCaller, type RegistryCaller } from '../http/require-permission';
import { ValidBody, ValidParams, ValidQuery } from '../http/validated';
import {
  type ApproveToolBody,
  approveToolBody,
  type DeclineToolBody,
  declineToolBody,
  type ListToolApprovalsQuery,
  listToolApprovalsQuery,
  toolApproval,
} from './tool-approval.schema';
import { ToolApprovalsService } from './tool-approvals.service';

const TAG = 'tool-approvals';
const params = z.object({ id: z.uuid({ message: 'must be a UUID' }) });
type Params = z.infer<typeof params>;

@Controller()
export class ToolApprovalsController {
  constructor(private readonly approvals: ToolApprovalsService) {}

  @ApiRoute({
    method: 'GET',
    path: 'api/v1/tool-approvals',
    summary: 'List changed or new tool definitions of approved servers that wait for (or got) a decision',
    tag: TAG,
    access: { permission: ['requests', 'read'] },
    query: listToolApprovalsQuery,
    responses: { 200: { description: 'A page of tool approval requests', schema: pageSchema(toolApproval) } },
  })
  list(
    @CurrentCaller() caller: RegistryCaller,
    @ValidQuery(listToolApprovalsQuery.strict()) query: ListToolApprovalsQuery,
  ) {
    return this.approvals.list(caller, query);
  }

  @ApiRoute({
    method: 'GET',
    path: 'api/v1/tool-approvals/:id',
    summary: 'One tool approval request, with the presented and the previously approved definition',
    tag: TAG,
    access: { permission: ['requests', 'read'] },
    params,
    responses: { 200: { description: 'The tool approval request', schema: toolApproval } },
  })
  get(@CurrentCaller() caller: RegistryCaller, @ValidParams(params) path: Params) {
    return this.approvals.get(caller, path.id);
  }

  @ApiRoute({
    method: 'POST',
    path: 'api/v1/tool-approvals/:id/approve',
    summary: "Approve a tool's changed or new definition: its hash becomes the pin and gateways serve it again",
    tag: TAG,
    access: { permission: ['requests', 'approve'] },
    params,
    body: approveToolBody,
    responses: { 200: { description: 'Approved', schema: toolApproval } },
  })
  approve(
    @CurrentCaller() caller: RegistryCaller,
    @ValidParams(params) path: Params,
    @ValidBody(approveToolBody) body: ApproveToolBody,
  ) {
    return this.approvals.approve(caller, path.id, body);
  }

  @ApiRoute({
    method: 'POST',
    path: 'api/v1/tool-approvals/:id/decline',
    summary: 'Decline a tool definition, with a reason: the tool stays withheld',
    tag: TAG,
    access: { permission: ['requests', 'approve'] },
    params,
    body: declineToolBody,
    responses: { 200: { description: 'Declined', schema: toolApproval } },
  })
  decline(
    @CurrentCaller() caller: RegistryCaller,
    @ValidParams(params) path: Params,
    @ValidBody(declineToolBody) body: DeclineToolBody,
  ) {
    return this.approvals.decline(caller, path.id, body);
  }
}
