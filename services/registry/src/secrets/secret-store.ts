import { Inject, Injectable } from '@nestjs/common';
import { v7 as uuidv7 } from 'uuid';
import { openSecret, type SealedSecret, sealSecret } from './secret-cipher';
import type { SecretKeyRing } from './secret-key-ring';
import type { Queryable } from '../http/registry-db';

export const SECRET_KEY_RING = Symbol('SECRET_KEY_RING');

export type SecretOwnerType = 'installation';

export interface SecretOwner {
  organizationId: string;
  ownerType: SecretOwnerType;
  ownerId: string;
}

/** What the API may say about a secret: that it is set, and since when. Never its value. */
export interface SecretStatus {
  name: string;
  updatedAt: string;
}

interface SecretRow {
  name: string;
  key_id: string;
  wrapped_key: Buffer;
  iv: Buffer;
  tag: Buffer;
  ciphertext: Buffer;
}

/** The authenticated context of a secret: a ciphertext moved to another owner or name no longer decrypts. */
export const secretContext = (owner: SecretOwner, name: string) =>
  `${owner.organizationId}/${owner.ownerType}/${owner.ownerId}/${name}`;

export const sealedOf = (row: Omit<SecretRow, 'name'>): SealedSecret => ({
  keyId: row.key_id,
  wrappedKey: row.wrapped_key,
  iv: row.iv,
  tag: row.tag,
  ciphertext: row.ciphertext,
});

/** Encrypted secrets in Postgres. Every method takes the runner so callers can write inside their transaction. */
@Injectable()
export class SecretStore {
  constructor(@Inject(SECRET_KEY_RING) private readonly ring: SecretKeyRing) {}

  async put(db: Queryable, owner: SecretOwner, name: string, value: string): Promise<void> {
    const sealed = sealSecret(this.ring, value, secretContext(owner, name));
    await db.query(
      `INSERT INTO secrets (id, organization_id, owner_type, owner_id, name, key_id, wrapped_key, iv, tag, ciphertext)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
       ON CONFLICT (owner_type, owner_id, name) DO UPDATE SET key_id = EXCLUDED.key_id,
         wrapped_key = EXCLUDED.wrapped_key, iv = EXCLUDED.iv, tag = EXCLUDED.tag, ciphertext = EXCLUDED.ciphertext,
         updated_at = now()
       WHERE secrets.organization_id = EXCLUDED.organization_id`,
      [
        uuidv7(),
        owner.organizationId,
        owner.ownerType,
        owner.ownerId,
        name,
        sealed.keyId,
        sealed.wrappedKey,
        sealed.iv,
        sealed.tag,
        sealed.ciphertext,
      ],
    );
  }

  async remove(db: Queryable, owner: SecretOwner, names: readonly string[]): Promise<void> {
    if (names.length === 0) return;
    await db.query(
      `DELETE FROM secrets WHERE organization_id = $1 AND owner_type = $2 AND owner_id = $3 AND name = ANY($4)`,
      [owner.organizationId, owner.ownerType, owner.ownerId, names],
    );
  }

  async removeAll(db: Queryable, owner: SecretOwner): Promise<void> {
    await db.query(`DELETE FROM secrets WHERE organization_id = $1 AND owner_type = $2 AND owner_id = $3`, [
      owner.organizationId,
      owner.ownerType,
      owner.ownerId,
    ]);
  }

  /** Which secrets each owner has set (names and times only). */
  async statuses(
    db: Queryable,
    organizationId: string,
    ownerType: SecretOwnerType,
    ownerIds: readonly string[],
  ): Promise<Map<string, SecretStatus[]>> {
    const result = new Map<string, SecretStatus[]>(ownerIds.map((id) => [id, []]));
    if (ownerIds.length === 0) return result;
    const rows = await db.query<{ owner_id: string; name: string; updated_at: Date }>(
      `SELECT owner_id, name, updated_at FROM secrets
        WHERE organization_id = $1 AND owner_type = $2 AND owner_id = ANY($3) ORDER BY name`,
      [organizationId, ownerType, ownerIds],
    );
    for (const row of rows) result.get(row.owner_id)?.push({ name: row.name, updatedAt: row.updated_at.toISOString() });
    return result;
  }

  /** The decrypted secrets of one owner, for the code that hands them to a running server (never to the API). */
  async reveal(db: Queryable, owner: SecretOwner): Promise<Record<string, string>> {
    const rows = await db.query<SecretRow>(
      `SELECT name, key_id, wrapped_key, iv, tag, ciphertext FROM secrets
        WHERE organization_id = $1 AND owner_type = $2 AND owner_id = $3`,
      [owner.organizationId, owner.ownerType, owner.ownerId],
    );
    return Object.fromEntries(
      rows.map((row) => [row.name, openSecret(this.ring, sealedOf(row), secretContext(owner, row.name))]),
    );
  }
}
