import { Injectable } from '@nestjs/common';
import { AppConfig, loadPortcullisFile } from '@portcullis/config';
import type { PortcullisFile, PortcullisGateway, PortcullisServer } from '@portcullis/contracts';
import type { GatewayEnv } from '../../env';

/** The gateways and servers the gateway serves, from the GitOps seed (until the registry issue replaces it). */
@Injectable()
export class McpCatalog {
  private readonly file: PortcullisFile;

  constructor(config: AppConfig<GatewayEnv>) {
    this.file = loadPortcullisFile(config.get('PORTCULLIS_FILE'));
  }

  /** A gateway by id or slug. */
  gateway(idOrSlug: string): PortcullisGateway | undefined {
    return this.file.gateways.find((g) => g.id === idOrSlug || g.slug === idOrSlug);
  }

  /** The gateway (by id or slug) and one of its servers, or undefined when either is unknown or not assigned. */
  resolve(
    gatewayIdOrSlug: string,
    serverId: string,
  ): { gateway: PortcullisGateway; server: PortcullisServer } | undefined {
    const gateway = this.file.gateways.find((g) => g.id === gatewayIdOrSlug || g.slug === gatewayIdOrSlug);
    if (!gateway?.servers.includes(serverId)) return undefined;
    const server = this.file.servers.find((s) => s.id === serverId);
    return server ? { gateway, server } : undefined;
  }
}
