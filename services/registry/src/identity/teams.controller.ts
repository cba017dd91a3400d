import { Controller } from '@nestjs/common';
import type * as z from 'zod';
import { ApiRoute } from '../http/api-route';
import { pageSchema, paginationQuery, type PaginationQuery } from '../http/pagination';
import { CurrentCaller, type RegistryCaller } from '../http/require-permission';
import { ValidBody, ValidParams, ValidQuery } from '../http/validated';
import { createTeamBody, teamIdParams, teamMemberParams, teamSchema, updateTeamBody } from './identity-dto';
import { TeamsService } from './teams.service';

const TAG = 'teams';
type TeamId = z.infer<typeof teamIdParams>;
type TeamMember = z.infer<typeof teamMemberParams>;

@Controller()
export class TeamsController {
  constructor(private readonly teams: TeamsService) {}

  @ApiRoute({
    method: 'POST',
    path: 'api/v1/teams',
    summary: 'Create a team',
    tag: TAG,
    access: { permission: ['teams', 'write'] },
    body: createTeamBody,
    responses: { 201: { description: 'Created', schema: teamSchema } },
  })
  create(@CurrentCaller() caller: RegistryCaller, @ValidBody(createTeamBody) body: z.infer<typeof createTeamBody>) {
    return this.teams.create(caller, body);
  }

  @ApiRoute({
    method: 'GET',
    path: 'api/v1/teams',
    summary: 'List the teams of your organisation',
    tag: TAG,
    access: { permission: ['teams', 'read'] },
    query: paginationQuery,
    responses: { 200: { description: 'A page of teams', schema: pageSchema(teamSchema) } },
  })
  list(@CurrentCaller() caller: RegistryCaller, @ValidQuery(paginationQuery.strict()) query: PaginationQuery) {
    return this.teams.list(caller, query);
  }

  @ApiRoute({
    method: 'GET',
    path: 'api/v1/teams/:teamId',
    summary: 'One team with its members',
    tag: TAG,
    access: { permission: ['teams', 'read'] },
    params: teamIdParams,
    responses: { 200: { description: 'The team', schema: teamSchema } },
  })
  find(@CurrentCaller() caller: RegistryCaller, @ValidParams(teamIdParams) params: TeamId) {
    return this.teams.find(caller, params.teamId);
  }

  @ApiRoute({
    method: 'PATCH',
    path: 'api/v1/teams/:teamId',
    summary: 'Rename or describe a team',
    tag: TAG,
    access: { permission: ['teams', 'write'] },
    params: teamIdParams,
    body: updateTeamBody,
    responses: { 200: { description: 'The team', schema: teamSchema } },
  })
  update(
    @CurrentCaller() caller: RegistryCaller,
    @ValidParams(teamIdParams) params: TeamId,
    @ValidBody(updateTeamBody) body: z.infer<typeof updateTeamBody>,
  ) {
    return this.teams.update(caller, params.teamId, body);
  }

  @ApiRoute({
    method: 'DELETE',
    path: 'api/v1/teams/:teamId',
    summary: 'Delete a team (its team-scoped tokens go with it)',
    tag: TAG,
    access: { permission: ['teams', 'write'] },
    params: teamIdParams,
    responses: { 204: { description: 'Deleted' } },
  })
  remove(@CurrentCaller() caller: RegistryCaller, @ValidParams(teamIdParams) params: TeamId) {
    return this.teams.remove(caller, params.teamId);
  }

  @ApiRoute({
    method: 'PUT',
    path: 'api/v1/teams/:teamId/members/:userId',
    summary: 'Add a user to a team',
    tag: TAG,
    access: { permission: ['teams', 'write'] },
    params: teamMemberParams,
    responses: { 204: { description: 'Added' } },
  })
  addMember(@CurrentCaller() caller: RegistryCaller, @ValidParams(teamMemberParams) params: TeamMember) {
    return this.teams.addMember(caller, params.teamId, params.userId);
  }

  @ApiRoute({
    method: 'DELETE',
    path: 'api/v1/teams/:teamId/members/:userId',
    summary: 'Remove a user from a team',
    tag: TAG,
    access: { permission: ['teams', 'write'] },
    params: teamMemberParams,
    responses: { 204: { description: 'Removed' } },
  })
  removeMember(@CurrentCaller() caller: RegistryCaller, @ValidParams(teamMemberParams) params: TeamMember) {
    return this.teams.removeMember(caller, params.teamId, params.userId);
  }
}
