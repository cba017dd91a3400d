import { Injectable } from '@nestjs/common';
import type { registryTokensVerify, ResponseOf } from '@portcullis/contracts';
import { RegistryDb } from '../http/registry-db';
import { PermissionResolver } from '../identity/permission-resolver';
import { API_TOKEN_PREFIX, hashSecret, SESSION_TOKEN_PREFIX } from './token-secret';

type Verdict = ResponseOf<typeof registryTokensVerify>;

interface CredentialRow {
  id: string;
  organization_id: string;
  slug: string;
  user_id: string | null;
  user_disabled: boolean | null;
  roles: string[] | null;
  expires_at: Date | null;
  revoked_at: Date | null;
}

/** Resolves an API token or a console session to its caller, with the permissions its roles grant right now. */
@Injectable()
export class CredentialVerifier {
  constructor(
    private readonly db: RegistryDb,
    private readonly resolver: PermissionResolver,
  ) {}

  async verify(secret: string): Promise<Verdict> {
    if (secret.startsWith(API_TOKEN_PREFIX)) return this.verifyToken(secret);
    if (secret.startsWith(SESSION_TOKEN_PREFIX)) return this.verifySession(secret);
    return { valid: false, reason: 'unknown' };
  }

  private async verifyToken(secret: string): Promise<Verdict> {
    const [row] = await this.db.query<CredentialRow & { scope_type: string }>(
      `SELECT t.id, t.organization_id, o.slug, t.user_id, u.disabled AS user_disabled, t.roles, t.expires_at,
              t.revoked_at, t.scope_type
       FROM api_tokens t JOIN organizations o ON o.id = t.organization_id LEFT JOIN users u ON u.id = t.user_id
       WHERE t.token_hash = $1`,
      [hashSecret(secret)],
    );
    const refused = this.refusal(row);
    if (refused) return refused;
    const roles = row.user_id ? await this.resolver.rolesOfUser(row.user_id) : (row.roles ?? []);
    return this.accept(row, row.user_id ?? `token:${row.id}`, roles, 'token');
  }

  private async verifySession(secret: string): Promise<Verdict> {
    const [row] = await this.db.query<CredentialRow>(
      `SELECT s.id, u.organization_id, o.slug, s.user_id, u.disabled AS user_disabled, NULL AS roles, s.expires_at,
              s.revoked_at
       FROM sessions s JOIN users u ON u.id = s.user_id JOIN organizations o ON o.id = u.organization_id
       WHERE s.token_hash = $1`,
      [hashSecret(secret)],
    );
    const refused = this.refusal(row);
    if (refused) return refused;
    return this.accept(row, row.user_id!, await this.resolver.rolesOfUser(row.user_id!), 'session');
  }

  private refusal(row: CredentialRow | undefined): Verdict | undefined {
    if (!row) return { valid: false, reason: 'unknown' };
    if (row.revoked_at || row.user_disabled) return { valid: false, reason: 'revoked' };
    if (row.expires_at && row.expires_at.getTime() <= Date.now()) return { valid: false, reason: 'expired' };
    return undefined;
  }

  private async accept(
    row: CredentialRow,
    actor: string,
    roles: string[],
    type: 'session' | 'token',
  ): Promise<Verdict> {
    return {
      valid: true,
      caller: {
        actor,
        tenant: row.slug,
        roles,
        permissions: await this.resolver.permissionsOf(row.organization_id, roles),
        credential: { type, id: row.id },
      },
      expiresAt: row.expires_at?.toISOString() ?? null,
    };
  }
}
