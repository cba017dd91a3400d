import { Injectable } from '@nestjs/common';
import { RegistryDb } from './registry-db';

const TTL_MS = 30_000;

/** Slug → id of organisations, briefly cached (slugs never change; a deleted organisation drops out on expiry). */
@Injectable()
export class OrganizationLookup {
  private readonly cache = new Map<string, { id: string | null; until: number }>();

  constructor(private readonly db: RegistryDb) {}

  async idOf(slug: string): Promise<string | null> {
    const hit = this.cache.get(slug);
    if (hit && hit.until > Date.now()) return hit.id;
    const rows = await this.db.query<{ id: string }>('SELECT id FROM organizations WHERE slug = $1', [slug]);
    const id = rows[0]?.id ?? null;
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(slug, { id, until: Date.now() + TTL_MS });
    return id;
  }
}
