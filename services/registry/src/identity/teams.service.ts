import { Injectable, NotFoundException } from '@nestjs/common';
import {
  registryTeamCreated,
  registryTeamDeleted,
  registryTeamMemberAdded,
  registryTeamMemberRemoved,
  registryTeamUpdated,
} from '@portcullis/contracts';
import { v7 as uuidv7 } from 'uuid';
import type * as z from 'zod';
import { decodeCursor, type Page, pageOf, type PaginationQuery } from '../http/pagination';
import { conflictOn, type Queryable, RegistryDb } from '../http/registry-db';
import { RegistryEvents } from '../http/registry-events';
import type { RegistryCaller } from '../http/require-permission';
import type { createTeamBody, TeamView, updateTeamBody } from './identity-dto';

interface TeamRow {
  id: string;
  name: string;
  description: string;
  created_at: Date;
  members: string[] | null;
}
const SELECT_TEAM = `
  SELECT t.id, t.name, t.description, t.created_at,
         (SELECT array_agg(user_id ORDER BY user_id) FROM team_members m WHERE m.team_id = t.id) AS members
  FROM teams t`;
const toView = (row: TeamRow): TeamView => ({
  id: row.id,
  name: row.name,
  description: row.description,
  members: row.members ?? [],
  createdAt: row.created_at.toISOString(),
});

/** Teams of the caller's organisation and their members (users of the same organisation only). */
@Injectable()
export class TeamsService {
  constructor(
    private readonly db: RegistryDb,
    private readonly events: RegistryEvents,
  ) {}

  async create(caller: RegistryCaller, body: z.infer<typeof createTeamBody>): Promise<TeamView> {
    const id = uuidv7();
    await conflictOn(
      this.db.query('INSERT INTO teams (id, organization_id, name, description) VALUES ($1, $2, $3, $4)', [
        id,
        caller.tenant,
        body.name,
        body.description,
      ]),
      `A team named ${body.name} already exists.`,
    );
    await this.events.emit(caller, registryTeamCreated, { teamId: id, name: body.name });
    return this.find(caller, id);
  }

  async list(caller: RegistryCaller, query: PaginationQuery): Promise<Page<TeamView>> {
    const rows = await this.db.query<TeamRow>(
      `${SELECT_TEAM} WHERE t.organization_id = $1 AND ($2::uuid IS NULL OR t.id > $2) ORDER BY t.id LIMIT $3`,
      [caller.tenant, decodeCursor(query.cursor) ?? null, query.limit + 1],
    );
    return pageOf(rows, query.limit, (r) => r.id, toView);
  }

  async find(caller: RegistryCaller, id: string, tx: Queryable = this.db): Promise<TeamView> {
    const [row] = await tx.query<TeamRow>(`${SELECT_TEAM} WHERE t.organization_id = $1 AND t.id = $2`, [
      caller.tenant,
      id,
    ]);
    if (!row) throw new NotFoundException(`No team ${id} in your organisation.`);
    return toView(row);
  }

  async update(caller: RegistryCaller, id: string, body: z.infer<typeof updateTeamBody>): Promise<TeamView> {
    const updated = await conflictOn(
      this.db.query(
        `UPDATE teams SET name = coalesce($3, name), description = coalesce($4, description)
         WHERE organization_id = $1 AND id = $2 RETURNING id`,
        [caller.tenant, id, body.name ?? null, body.description ?? null],
      ),
      `A team named ${body.name} already exists.`,
    );
    if (updated.length === 0) throw new NotFoundException(`No team ${id} in your organisation.`);
    const team = await this.find(caller, id);
    await this.events.emit(caller, registryTeamUpdated, { teamId: id, name: team.name });
    return team;
  }

  async remove(caller: RegistryCaller, id: string): Promise<void> {
    const [row] = await this.db.query<{ name: string }>(
      'DELETE FROM teams WHERE organization_id = $1 AND id = $2 RETURNING name',
      [caller.tenant, id],
    );
    if (!row) throw new NotFoundException(`No team ${id} in your organisation.`);
    await this.events.emit(caller, registryTeamDeleted, { teamId: id, name: row.name });
  }

  async addMember(caller: RegistryCaller, teamId: string, userId: string): Promise<void> {
    await this.find(caller, teamId);
    const users = await this.db.query('SELECT 1 FROM users WHERE organization_id = $1 AND id = $2', [
      caller.tenant,
      userId,
    ]);
    if (users.length === 0) throw new NotFoundException(`No user ${userId} in your organisation.`);
    const added = await this.db.query(
      'INSERT INTO team_members (team_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING user_id',
      [teamId, userId],
    );
    if (added.length > 0) await this.events.emit(caller, registryTeamMemberAdded, { teamId, userId });
  }

  async removeMember(caller: RegistryCaller, teamId: string, userId: string): Promise<void> {
    await this.find(caller, teamId);
    const removed = await this.db.query(
      'DELETE FROM team_members WHERE team_id = $1 AND user_id = $2 RETURNING user_id',
      [teamId, userId],
    );
    if (removed.length === 0) throw new NotFoundException(`User ${userId} is not a member of team ${teamId}.`);
    await this.events.emit(caller, registryTeamMemberRemoved, { teamId, userId });
  }
}
