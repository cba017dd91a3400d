import { BadRequestException, Injectable, UnauthorizedException } from '@nestjs/common';
import { AppConfig } from '@portcullis/config';
import { registrySessionCreated, registrySessionRevoked } from '@portcullis/contracts';
import type { RegistryCallerMessage } from '@portcullis/contracts';
import { v7 as uuidv7 } from 'uuid';
import type * as z from 'zod';
import type { RegistryEnv } from '../env';
import { RegistryDb } from '../http/registry-db';
import { RegistryEvents } from '../http/registry-events';
import type { RegistryCaller } from '../http/require-permission';
import { PasswordHasher } from '../identity/password-hasher';
import { hashSecret, newSecret, SESSION_TOKEN_PREFIX } from '../tokens/token-secret';
import type { loginBody, sessionSchema } from './auth.dto';

interface LoginRow {
  id: string;
  email: string;
  name: string;
  password_hash: string | null;
  disabled: boolean;
  organization_id: string;
  slug: string;
}

const WRONG = 'The email or password is wrong.';

/** Console sign-in: argon2id password check, then a random session token of which only a hash is stored. */
@Injectable()
export class SessionsService {
  private readonly ttlMs: number;

  constructor(
    private readonly db: RegistryDb,
    private readonly events: RegistryEvents,
    private readonly passwords: PasswordHasher,
    config: AppConfig<RegistryEnv>,
  ) {
    this.ttlMs = config.get('SESSION_TTL_MINUTES') * 60_000;
  }

  async login(body: z.infer<typeof loginBody>): Promise<z.infer<typeof sessionSchema>> {
    const [user] = await this.db.query<LoginRow>(
      `SELECT u.id, u.email, u.name, u.password_hash, u.disabled, u.organization_id, o.slug
       FROM users u JOIN organizations o ON o.id = u.organization_id WHERE lower(u.email) = lower($1)`,
      [body.email],
    );
    const ok = await this.passwords.verify(user?.password_hash, body.password);
    if (!user || !ok || user.disabled) throw new UnauthorizedException(WRONG);
    const token = newSecret(SESSION_TOKEN_PREFIX);
    const id = uuidv7();
    const expiresAt = new Date(Date.now() + this.ttlMs);
    await this.db.query('INSERT INTO sessions (id, user_id, token_hash, expires_at) VALUES ($1, $2, $3, $4)', [
      id,
      user.id,
      hashSecret(token),
      expiresAt,
    ]);
    const caller: RegistryCaller = {
      actor: user.id,
      tenant: user.organization_id,
      tenantSlug: user.slug,
      roles: [],
      permissions: [],
    };
    await this.events.emit(caller, registrySessionCreated, {
      sessionId: id,
      userId: user.id,
      expiresAt: expiresAt.toISOString(),
    });
    return {
      token,
      expiresAt: expiresAt.toISOString(),
      user: { id: user.id, email: user.email, name: user.name, organization: user.slug },
    };
  }

  async logout(caller: RegistryCaller, credential: RegistryCallerMessage['credential'] | undefined): Promise<void> {
    if (credential?.type !== 'session') {
      throw new BadRequestException(
        'Only a console session signs out; revoke API tokens with DELETE /api/v1/tokens/{id}.',
      );
    }
    const revoked = await this.db.query<{ user_id: string }>(
      'UPDATE sessions SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL RETURNING user_id',
      [credential.id],
    );
    if (revoked.length > 0) {
      await this.events.emit(caller, registrySessionRevoked, { sessionId: credential.id, userId: revoked[0].user_id });
    }
  }
}
