import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { AppConfig, loadPortcullisFile } from '@portcullis/config';
import { type PortcullisFile, type PortcullisServer, registryGatewayServers } from '@portcullis/contracts';
import { BusClient, BusConnection, BusRequestError } from '@portcullis/messaging';
import { LOGGER } from '@portcullis/service-kit';
import type { Logger } from 'pino';
import type { OrchestratorEnv } from '../env';
import { ExpiringCache } from './expiring-cache';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Registry answers are reused this long; registry events expire them at once, the TTL bounds a missed event. */
export const SERVERS_TTL_MS = 30_000;
const REQUEST_TIMEOUT_MS = 5_000;
const INVALIDATING = /(^|\.)events\.v1\.registry\.(gateway|installation|catalog-entry|organization)\./;

/**
 * How to run the servers of a gateway. Registry gateways (their id is a UUID) come from the registry
 * (`registry.v1.gateway.servers`: runtime definitions with credentials), cached per gateway and expired by registry
 * events; while the registry cannot be asked, the last answer stands in. Gateways of portcullis.yaml (PORTCULLIS_FILE,
 * ids that are not UUIDs) come from the file, so the data path runs without a registry, as before it existed.
 */
@Injectable()
export class ServerCatalog implements OnModuleInit {
  private readonly file: PortcullisFile;
  private readonly gateways = new ExpiringCache<PortcullisServer[] | null>(1_000);

  constructor(
    config: AppConfig<OrchestratorEnv>,
    private readonly bus: BusClient,
    private readonly connection: BusConnection,
    @Inject(LOGGER) private readonly log: Logger,
  ) {
    this.file = loadPortcullisFile(config.get('PORTCULLIS_FILE'));
  }

  onModuleInit(): void {
    const subject = `${this.connection.options.prefix}events.v1.registry.>`;
    let subscribed = false;
    this.connection.onConnected((nc) => {
      if (subscribed) return;
      subscribed = true;
      nc.subscribe(subject, {
        callback: (_error, msg) => {
          if (INVALIDATING.test(msg.subject)) this.gateways.expireAll();
        },
      });
    });
  }

  /** The server, if the gateway exists and serves it. */
  async find(gateway: string, serverId: string): Promise<PortcullisServer | undefined> {
    if (!UUID.test(gateway)) {
      const declared = this.file.gateways.find((g) => g.id === gateway);
      if (!declared?.servers.includes(serverId)) return undefined;
      return this.file.servers.find((s) => s.id === serverId);
    }
    const servers = await this.gateways.get(gateway.toLowerCase(), async () => {
      try {
        const answer = await this.bus.request(
          registryGatewayServers,
          { gatewayId: gateway.toLowerCase() },
          { timeoutMs: REQUEST_TIMEOUT_MS },
        );
        return { value: answer.found ? answer.servers : null, ttlMs: SERVERS_TTL_MS };
      } catch (error) {
        const stale = this.gateways.stale(gateway.toLowerCase());
        if (stale === undefined) throw error;
        this.log.warn(
          { gateway, code: error instanceof BusRequestError ? error.code : undefined },
          'registry not answering; the last known servers of the gateway stand in',
        );
        return { value: stale, ttlMs: 5_000 };
      }
    });
    return servers?.find((s) => s.id === serverId);
  }

  /** Forgets every cached answer. */
  clear(): void {
    this.gateways.expireAll();
  }
}
