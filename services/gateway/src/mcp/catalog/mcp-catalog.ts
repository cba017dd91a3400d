import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { AppConfig, loadPortcullisFile } from '@portcullis/config';
import {
  type PortcullisFile,
  type PortcullisGateway,
  registryGatewayResolve,
  type ResolvedGateway,
  type ResponseOf,
} from '@portcullis/contracts';
import { BusClient, BusConnection, BusRequestError } from '@portcullis/messaging';
import { LOGGER } from '@portcullis/service-kit';
import type { Logger } from 'pino';
import type { AuthenticatedCaller } from '../../auth/authenticated-caller';
import type { GatewayEnv } from '../../env';
import { ExpiringCache } from './expiring-cache';

/** A gateway as the data path serves it: from the registry (id = its UUID) or from portcullis.yaml (id = file id). */
export type McpGateway = PortcullisGateway & {
  /** The tools served per server id; null (or absent) = every tool. */
  tools: Record<string, string[] | null>;
};

export type GatewayLookup =
  { kind: 'found'; gateway: McpGateway } | { kind: 'missing' } | { kind: 'forbidden'; reason: string };

/** Registry answers are reused this long; registry events expire them at once, the TTL bounds a missed event. */
export const REGISTRY_TTL_MS = 30_000;
/** While the registry cannot be asked, the file's answer is reused this long before asking again. */
export const FALLBACK_TTL_MS = 5_000;
const RESOLVE_TIMEOUT_MS = 3_000;
const DEFAULT_ORGANIZATION = 'default';
/** Failures that mean no registry answers at all (rather than a registry that failed to answer). */
const UNREACHABLE = new Set(['NO_RESPONDERS', 'TIMEOUT', 'UNAVAILABLE', 'NO_HANDLER']);
/** Registry changes that can change a gateway's answer: gateways, installations, catalog entries, identities. */
const INVALIDATING =
  /(^|\.)events\.v1\.registry\.(gateway|installation|catalog-entry|team|user|role|role-assignment|token|organization)\./;

const fromRegistry = (gateway: ResolvedGateway): McpGateway => ({
  id: gateway.id,
  slug: gateway.slug,
  name: gateway.name,
  ...(gateway.description ? { description: gateway.description } : {}),
  prefixMode: gateway.prefixMode,
  untrustedContext: gateway.untrustedContext,
  servers: gateway.servers.map((s) => s.id),
  tools: Object.fromEntries(gateway.servers.map((s) => [s.id, s.tools])),
});

/**
 * The gateways the data path serves, from the registry (`registry.v1.gateway.resolve`, per caller: whether they may
 * use it), cached so that a warm request makes no round trip. When the registry cannot be asked (not running,
 * unreachable), portcullis.yaml (PORTCULLIS_FILE) answers instead: its gateways are open to every authenticated
 * caller, as before the registry existed. The registry, once it answers, is authoritative (it holds the file's
 * gateways too, applied by its GitOps seed).
 */
@Injectable()
export class McpCatalog implements OnModuleInit {
  private readonly file: PortcullisFile;
  private readonly answers = new ExpiringCache<GatewayLookup>();
  /** Gateways by canonical id as last resolved, for work that continues an admitted stream (legacy SSE). */
  private readonly admitted = new Map<string, McpGateway>();
  private readonly labels = new Map<string, string>();

  constructor(
    config: AppConfig<GatewayEnv>,
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
      // Every replica hears every event (no queue group): each has its own cache.
      nc.subscribe(subject, { callback: (_error, msg) => this.onEvent(msg.subject) });
    });
  }

  /** The gateway `/v1/mcp/{idOrSlug}` means for this caller, and whether they may use it. */
  lookup(idOrSlug: string, caller: AuthenticatedCaller): Promise<GatewayLookup> {
    const key = [caller.tenant, caller.actor, caller.credential.type, caller.credential.id, idOrSlug].join('\n');
    const hit = this.answers.fresh(key);
    if (hit) return Promise.resolve(hit);
    return this.answers.get(key, async () => {
      try {
        const answer = await this.bus.request(
          registryGatewayResolve,
          {
            gateway: idOrSlug,
            caller: {
              actor: caller.actor,
              tenant: caller.tenant,
              roles: [...caller.roles],
              permissions: [...caller.permissions],
              credential: caller.credential,
            },
          },
          { timeoutMs: RESOLVE_TIMEOUT_MS },
        );
        return { value: this.remember(answer), ttlMs: REGISTRY_TTL_MS };
      } catch (error) {
        // The last answer stands in for a short while, whatever the failure.
        const stale = this.answers.stale(key);
        if (stale) return { value: stale, ttlMs: FALLBACK_TTL_MS };
        if (!(error instanceof BusRequestError) || !UNREACHABLE.has(error.code)) throw error;
        this.log.debug({ gateway: idOrSlug, code: error.code }, 'registry not reachable; gateway from the file');
        const gateway = this.fromFile(idOrSlug);
        return { value: gateway ? { kind: 'found', gateway } : { kind: 'missing' }, ttlMs: FALLBACK_TTL_MS };
      }
    });
  }

  /** A gateway already admitted by its canonical id (no authorisation here: it happened when it was admitted). */
  byId(id: string): McpGateway | undefined {
    return this.admitted.get(id) ?? this.fromFile(id);
  }

  /**
   * How metrics, traces and events name a gateway: file gateways by their id; registry gateways by slug (those of
   * the `default` organisation, e.g. the seeded `default`) or `organisation/slug` — never by their UUID.
   */
  labelOf(id: string): string {
    return this.labels.get(id) ?? id;
  }

  /** Forgets every cached answer (the next request asks the registry again). */
  clear(): void {
    this.answers.expireAll();
  }

  private remember(answer: ResponseOf<typeof registryGatewayResolve>): GatewayLookup {
    if (!answer.found) return { kind: 'missing' };
    const gateway = fromRegistry(answer.gateway);
    if (this.admitted.size >= 10_000 && !this.admitted.has(gateway.id)) {
      const oldest = this.admitted.keys().next().value!;
      this.admitted.delete(oldest);
      this.labels.delete(oldest);
    }
    this.admitted.set(gateway.id, gateway);
    const { organization, slug } = answer.gateway;
    this.labels.set(gateway.id, organization === DEFAULT_ORGANIZATION ? slug : `${organization}/${slug}`);
    if (!answer.allowed)
      return { kind: 'forbidden', reason: answer.reason ?? `You may not use gateway ${answer.gateway.slug}.` };
    return { kind: 'found', gateway };
  }

  private fromFile(idOrSlug: string): McpGateway | undefined {
    const gateway = this.file.gateways.find((g) => g.id === idOrSlug || g.slug === idOrSlug);
    return gateway && { ...gateway, tools: {} };
  }

  private onEvent(subject: string): void {
    if (INVALIDATING.test(subject)) this.clear();
  }
}
