import { Controller } from '@nestjs/common';
import { z } from 'zod';
import { ApiRoute } from '../http/api-route';
import { pageSchema } from '../http/pagination';
import { CurrentCaller, type RegistryCaller } from '../http/require-permission';
import { ValidParams, ValidQuery } from '../http/validated';
import { installationTool, type ListToolsQuery, listToolsQuery } from './tool.schema';
import { ToolsService } from './tools.service';

const params = z.object({ id: z.uuid({ message: 'must be a UUID' }) });

@Controller()
export class ToolsController {
  constructor(private readonly tools: ToolsService) {}

  @ApiRoute({
    method: 'GET',
    path: 'api/v1/installations/:id/tools',
    summary: "The tools discovered on an installation's server, with their pinned definition hash and status",
    tag: 'installations',
    access: { permission: ['installations', 'read'] },
    params,
    query: listToolsQuery,
    responses: { 200: { description: 'A page of tools, by name', schema: pageSchema(installationTool) } },
  })
  listTools(
    @CurrentCaller() caller: RegistryCaller,
    @ValidParams(params) path: z.infer<typeof params>,
    @ValidQuery(listToolsQuery.strict()) query: ListToolsQuery,
  ) {
    return this.tools.list(caller, path.id, query);
  }
}
