import { Injectable, NotFoundException } from '@nestjs/common';
import { registryTokenCreated, registryTokenRevoked } from '@portcullis/contracts';
import { v7 as uuidv7 } from 'uuid';
import type * as z from 'zod';
import { decodeCursor, type Page, pageOf } from '../http/pagination';
import { RegistryDb } from '../http/registry-db';
import { RegistryEvents } from '../http/registry-events';
import type { RegistryCaller } from '../http/require-permission';
import { RolesService } from '../identity/roles.service';
import { API_TOKEN_PREFIX, displayPrefixOf, hashSecret, newSecret } from './token-secret';
import type { CreateTokenBody, createdTokenSchema, listTokensQuery, TokenView } from './tokens.dto';

interface TokenRow {
  id: string;
  name: string;
  prefix: string;
  scope_type: 'user' | 'team' | 'organization';
  user_id: string | null;
  team_id: string | null;
  organization_id: string;
  roles: string[];
  created_by: string;
  created_at: Date;
  expires_at: Date | null;
  revoked_at: Date | null;
}

const toView = (row: TokenRow): TokenView => ({
  id: row.id,
  name: row.name,
  prefix: row.prefix,
  scope: { type: row.scope_type, id: row.user_id ?? row.team_id ?? row.organization_id },
  roles: row.roles,
  createdBy: row.created_by,
  createdAt: row.created_at.toISOString(),
  expiresAt: row.expires_at?.toISOString() ?? null,
  revokedAt: row.revoked_at?.toISOString() ?? null,
});
const eventOf = (view: TokenView) => ({
  tokenId: view.id,
  name: view.name,
  prefix: view.prefix,
  scope: view.scope,
  expiresAt: view.expiresAt,
});

/** API tokens of the caller's organisation: created (shown once), listed without secrets, revoked. */
@Injectable()
export class TokensService {
  constructor(
    private readonly db: RegistryDb,
    private readonly events: RegistryEvents,
    private readonly roles: RolesService,
  ) {}

  async create(caller: RegistryCaller, body: CreateTokenBody): Promise<z.infer<typeof createdTokenSchema>> {
    const scope = body.scope;
    if (scope.type === 'user') await this.assertIn(caller, 'users', scope.userId, 'user');
    if (scope.type === 'team') await this.assertIn(caller, 'teams', scope.teamId, 'team');
    const roles = scope.type === 'user' ? [] : [...new Set(body.roles ?? ['member'])];
    // A user token can do what its user can; the creator must be able to grant that much.
    const granted = scope.type === 'user' ? await this.rolesOfUser(scope.userId) : roles;
    await this.roles.assertAssignable(caller, granted);
    const secret = newSecret(API_TOKEN_PREFIX);
    const [row] = await this.db.query<TokenRow>(
      `INSERT INTO api_tokens (id, organization_id, name, token_hash, prefix, scope_type, user_id, team_id, roles,
         created_by, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING *`,
      [
        uuidv7(),
        caller.tenant,
        body.name,
        hashSecret(secret),
        displayPrefixOf(secret),
        scope.type,
        scope.type === 'user' ? scope.userId : null,
        scope.type === 'team' ? scope.teamId : null,
        roles,
        caller.actor,
        body.expiresAt ?? null,
      ],
    );
    const view = toView(row);
    await this.events.emit(caller, registryTokenCreated, eventOf(view));
    return { ...view, token: secret };
  }

  async list(caller: RegistryCaller, query: z.infer<typeof listTokensQuery>): Promise<Page<TokenView>> {
    const rows = await this.db.query<TokenRow>(
      `SELECT * FROM api_tokens WHERE organization_id = $1 AND ($2::uuid IS NULL OR id > $2)
         AND ($3::boolean IS NULL OR (revoked_at IS NOT NULL) = $3) ORDER BY id LIMIT $4`,
      [
        caller.tenant,
        decodeCursor(query.cursor) ?? null,
        query.revoked === undefined ? null : query.revoked === 'true',
        query.limit + 1,
      ],
    );
    return pageOf(rows, query.limit, (r) => r.id, toView);
  }

  async find(caller: RegistryCaller, id: string): Promise<TokenView> {
    const [row] = await this.db.query<TokenRow>('SELECT * FROM api_tokens WHERE organization_id = $1 AND id = $2', [
      caller.tenant,
      id,
    ]);
    if (!row) throw new NotFoundException(`No token ${id} in your organisation.`);
    return toView(row);
  }

  /** Idempotent; the event (which makes gateways forget the token at once) goes out on the first revocation. */
  async revoke(caller: RegistryCaller, id: string): Promise<void> {
    const [row] = await this.db.query<TokenRow>(
      `UPDATE api_tokens SET revoked_at = now() WHERE organization_id = $1 AND id = $2 AND revoked_at IS NULL
       RETURNING *`,
      [caller.tenant, id],
    );
    if (row) {
      await this.events.emit(caller, registryTokenRevoked, eventOf(toView(row)));
      return;
    }
    await this.find(caller, id);
  }

  private async rolesOfUser(userId: string): Promise<string[]> {
    const rows = await this.db.query<{ role: string }>('SELECT role FROM role_assignments WHERE user_id = $1', [
      userId,
    ]);
    return rows.map((r) => r.role);
  }

  private async assertIn(caller: RegistryCaller, table: 'users' | 'teams', id: string, what: string): Promise<void> {
    const rows = await this.db.query(`SELECT 1 FROM ${table} WHERE organization_id = $1 AND id = $2`, [
      caller.tenant,
      id,
    ]);
    if (rows.length === 0) throw new NotFoundException(`No ${what} ${id} in your organisation.`);
  }
}
