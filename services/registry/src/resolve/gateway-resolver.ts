import { Injectable, Optional } from '@nestjs/common';
import {
  permissionGrants,
  type PortcullisServer,
  type RegistryCallerMessage,
  type ResolvedGateway,
} from '@portcullis/contracts';
import type { CatalogEntry } from '../catalog/catalog-entry.schema';
import { type GatewayRow, gatewaysRepository as repo } from '../gateways/gateways.repository';
import { OrganizationLookup } from '../http/organization-lookup';
import { RegistryDb } from '../http/registry-db';
import type { ConfigValue } from '../installations/installation.schema';
import { GitopsSeedService } from '../gitops/gitops-seed.service';
import { SecretStore } from '../secrets/secret-store';
import { dataPathServerIds } from './data-path-server-ids';
import { runtimeDefinition } from './runtime-definition';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const USE_PERMISSION = 'gateways:use';
const SEED_WAIT_MS = 2_500;

export type Resolution =
  { found: false } | { found: true; gateway: ResolvedGateway; allowed: boolean; reason?: string };

interface ServedRow {
  installation_id: string;
  tools: string[] | null;
  status: string;
  entry_slug: string;
  entry_name: string;
  entry_title: string | null;
  description: string;
  user_config: CatalogEntry['userConfig'];
  server: CatalogEntry['server'];
  configuration: Record<string, ConfigValue>;
}

/**
 * The data path's view of gateways: which gateway a caller means and may use (for the gateway service), and how to
 * run its servers (for the orchestrator). Only installations in status `ready` are served.
 */
@Injectable()
export class GatewayResolver {
  constructor(
    private readonly db: RegistryDb,
    private readonly organizations: OrganizationLookup,
    private readonly secrets: SecretStore,
    @Optional() private readonly seed?: GitopsSeedService,
  ) {}

  /** Right after start, the seed's gateways may not be there yet: answer once it has run (or after a few seconds). */
  private async seeded(): Promise<void> {
    if (!this.seed) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.seed.firstRun, new Promise((resolve) => (timer = setTimeout(resolve, SEED_WAIT_MS)))]);
    clearTimeout(timer);
  }

  async resolve(reference: string, caller: RegistryCallerMessage): Promise<Resolution> {
    await this.seeded();
    const organizationId = await this.organizations.idOf(caller.tenant);
    if (!organizationId) return { found: false };
    const row = UUID.test(reference)
      ? await repo.find(this.db, organizationId, reference.toLowerCase())
      : await repo.findBySlug(this.db, organizationId, reference);
    if (!row) return { found: false };
    const served = await this.served(row.id);
    const ids = dataPathServerIds(served.map((s) => ({ installationId: s.installation_id, entrySlug: s.entry_slug })));
    const gateway: ResolvedGateway = {
      id: row.id,
      slug: row.slug,
      name: row.name,
      ...(row.description ? { description: row.description } : {}),
      organization: caller.tenant,
      prefixMode: row.prefix_mode,
      untrustedContext: row.untrusted_context,
      servers: served
        .map((s, i) => ({
          id: ids[i],
          name: s.entry_title ?? s.entry_name,
          ...(s.description ? { description: s.description.slice(0, 2000) } : {}),
          installationId: s.installation_id,
          tools: s.tools,
          status: s.status,
        }))
        .filter((s) => s.status === 'ready')
        .map(({ status: _status, ...server }) => server),
    };
    const reason = await this.refusal(row, caller);
    return reason ? { found: true, gateway, allowed: false, reason } : { found: true, gateway, allowed: true };
  }

  /** Runtime definitions (with decrypted credentials) of a gateway's ready servers, or null for no such gateway. */
  async servers(gatewayId: string): Promise<PortcullisServer[] | null> {
    await this.seeded();
    const [row] = await this.db.query<{ organization_id: string }>(
      'SELECT organization_id FROM gateways WHERE id = $1',
      [gatewayId],
    );
    if (!row) return null;
    const served = await this.served(gatewayId);
    const ids = dataPathServerIds(served.map((s) => ({ installationId: s.installation_id, entrySlug: s.entry_slug })));
    const result: PortcullisServer[] = [];
    for (const [i, s] of served.entries()) {
      if (s.status !== 'ready') continue;
      const credentials = await this.secrets.reveal(this.db, {
        organizationId: row.organization_id,
        ownerType: 'installation',
        ownerId: s.installation_id,
      });
      result.push(
        runtimeDefinition(
          ids[i],
          {
            name: s.entry_name,
            title: s.entry_title,
            description: s.description,
            userConfig: s.user_config,
            server: s.server,
          },
          s.configuration,
          credentials,
        ),
      );
    }
    return result;
  }

  /** Every assigned installation (ids are computed over all of them, so they stay put as statuses change). */
  private served(gatewayId: string): Promise<ServedRow[]> {
    return this.db.query<ServedRow>(
      `SELECT gs.installation_id, gs.tools, i.status, e.slug AS entry_slug, e.name AS entry_name,
              e.title AS entry_title, e.description, e.user_config, e.server, i.configuration
         FROM gateway_servers gs
         JOIN gateways g ON g.id = gs.gateway_id
         JOIN installations i ON i.id = gs.installation_id AND i.organization_id = g.organization_id
         JOIN catalog_entries e ON e.id = i.catalog_entry_id
        WHERE gs.gateway_id = $1
        ORDER BY gs.position, gs.installation_id`,
      [gatewayId],
    );
  }

  /** Why the caller may not use the gateway, or undefined when they may. */
  private async refusal(row: GatewayRow, caller: RegistryCallerMessage): Promise<string | undefined> {
    if (!permissionGrants(caller.permissions, USE_PERMISSION))
      return `This needs the permission ${USE_PERMISSION}, which none of your roles grants.`;
    if (row.access === 'organization') return undefined;
    const listed = await this.db.query(
      `SELECT 1 FROM gateway_access a
        WHERE a.gateway_id = $1
          AND (a.user_id::text = $2
               OR a.team_id IN (SELECT team_id FROM team_members WHERE user_id::text = $2)
               OR a.team_id IN (SELECT team_id FROM api_tokens WHERE 'token:' || id::text = $2))
        LIMIT 1`,
      [row.id, caller.actor],
    );
    return listed.length > 0 ? undefined : `You are not on the access list of gateway ${row.slug}.`;
  }
}
