import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { McpError, ResultSchema } from '@modelcontextprotocol/sdk/types.js';
import {
  type DiscoveredTool,
  discoveredToolSchema,
  pinnedToolText,
  registryToolPins,
  registryToolReport,
  WITHHELD_TOOLS_META,
  type WithheldTools,
} from '@portcullis/contracts';
import { BusClient, BusConnection } from '@portcullis/messaging';
import { LOGGER } from '@portcullis/service-kit';
import type { Logger } from 'pino';
import { ExpiringCache } from '../servers/expiring-cache';
import { type ServerPins, toolVerdict } from './tool-verdict';
import type { UpstreamSession } from './upstream-session';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Pins are reused this long; registry events expire them at once, the TTL bounds a missed event. */
export const PINS_TTL_MS = 30_000;
const REQUEST_TIMEOUT_MS = 5_000;
/** A report not reflected in the pins after this long (registry down, say) is sent again. */
const REPORT_AGAIN_MS = 30_000;
const MAX_HASHES = 20_000;
const MAX_LIST_PAGES = 50;
const INVALIDATING = /(^|\.)events\.v1\.registry\.(tool|installation|gateway|catalog-entry|organization)\./;
const TOOL_EVENT = /(^|\.)events\.v1\.registry\.tool\./;
/** What MCP answers for a tool a client may not call (as for an unknown tool). */
const INVALID_PARAMS = -32602;
const INTERNAL_ERROR = -32603;

/** Where a session's tools come from: the data-path server of a registry gateway. */
export interface PinnedServer {
  gatewayId: string;
  serverId: string;
}

/** What one upstream session presents: each tool's definition hash, from its last listing. */
type Presented = Map<string, { tool: DiscoveredTool; hash: string }>;

/**
 * Tool-definition pinning on the data path. Every tools/list result of a registry gateway's server is compared with
 * the installation's pins (hash computed once per distinct definition, pins cached per server and expired by
 * `events.v1.registry.…`): tools whose definition differs from the approved pin, or new ones that wait for approval,
 * are left out, and calls to them refused. Definitions the registry does not know yet are reported to it (it
 * withholds them, raises the approval request and emits the event, once). Installations never pinned (GitOps-seeded)
 * are pinned on first sight (trust on first use).
 */
@Injectable()
export class ToolPinning implements OnModuleInit {
  private readonly pins = new ExpiringCache<ServerPins | null>(5_000);
  private readonly hashes = new Map<string, string>();
  private readonly reported = new Map<string, number>();
  private readonly presented = new WeakMap<UpstreamSession, Presented>();
  private readonly toolsChanged = new Set<(installationId: string) => void>();

  constructor(
    private readonly bus: BusClient,
    private readonly connection: BusConnection,
    @Inject(LOGGER) private readonly log: Logger,
  ) {}

  onModuleInit(): void {
    const subject = `${this.connection.options.prefix}events.v1.registry.>`;
    let subscribed = false;
    this.connection.onConnected((nc) => {
      if (subscribed) return;
      subscribed = true;
      nc.subscribe(subject, {
        callback: (_error, msg) => {
          if (INVALIDATING.test(msg.subject)) this.pins.expireAll();
          if (TOOL_EVENT.test(msg.subject)) this.announce(msg.data);
        },
      });
    });
  }

  /** Called with the installation whenever the registry changed what of its tools may be served. */
  onToolsChanged(listener: (installationId: string) => void): void {
    this.toolsChanged.add(listener);
  }

  /** The installation behind a server, as far as its pins were fetched. */
  installationOf(server: PinnedServer): string | undefined {
    return this.pins.stale(`${server.gatewayId.toLowerCase()}:${server.serverId}`)?.installationId;
  }

  /** Registry gateways have pins; portcullis.yaml gateways (ids that are not UUIDs) are served as declared. */
  appliesTo(gatewayId: string): boolean {
    return UUID.test(gatewayId);
  }

  /** SHA-256 of the pinned fields, computed once per distinct definition. */
  hashOf(tool: DiscoveredTool): string {
    const key = JSON.stringify(tool);
    let hash = this.hashes.get(key);
    if (hash === undefined) {
      hash = createHash('sha256').update(pinnedToolText(tool)).digest('hex');
      if (this.hashes.size >= MAX_HASHES) this.hashes.clear();
      this.hashes.set(key, hash);
    }
    return hash;
  }

  /** The upstream listed its tools anew (list_changed): its next call checks a fresh listing. */
  listChanged(session: UpstreamSession): void {
    this.presented.delete(session);
  }

  /** A tools/list result with the tools the pins do not allow left out. */
  async filterList(
    server: PinnedServer,
    session: UpstreamSession,
    result: Record<string, unknown>,
    paged: boolean,
  ): Promise<Record<string, unknown>> {
    const listed = Array.isArray(result.tools) ? (result.tools as unknown[]) : [];
    const tools = listed.map((item) => discoveredToolSchema.safeParse(item));
    const pins = await this.pinsOf(server);
    const presented = this.presented.get(session) ?? (new Map() as Presented);
    this.presented.set(session, presented);
    const kept: unknown[] = [];
    const unknown: DiscoveredTool[] = [];
    const withheld: WithheldTools = [];
    for (const parsed of tools) {
      // A definition that is not even a tool cannot be pinned: never served.
      if (!parsed.success) continue;
      const tool = parsed.data;
      const hash = this.hashOf(tool);
      presented.set(tool.name, { tool, hash });
      const verdict = toolVerdict(pins, tool.name, hash);
      if (verdict.allowed) kept.push(tool);
      else withheld.push({ name: tool.name, reason: verdict.reason });
      if (verdict.report) unknown.push(tool);
    }
    if (unknown.length > 0) {
      // First use pins the whole list at once, not page by page (a later page would look like new tools).
      const firstUse = !pins.pinned && (paged || typeof result.nextCursor === 'string');
      void (firstUse ? this.listAll(session) : Promise.resolve(unknown))
        .then((all) => this.report(server, pins, all))
        .catch((error: unknown) => this.log.warn({ err: error, ...server }, 'tools not reported to the registry'));
    }
    if (withheld.length === 0) return { ...result, tools: kept };
    const meta = (result._meta ?? {}) as Record<string, unknown>;
    return { ...result, tools: kept, _meta: { ...meta, [WITHHELD_TOOLS_META]: withheld } };
  }

  /** Why a call to the tool is refused, or undefined when its presented definition is pinned. */
  async callRefusal(server: PinnedServer, session: UpstreamSession, name: string): Promise<McpError | undefined> {
    const pins = await this.pinsOf(server);
    let presented = this.presented.get(session);
    if (!presented?.has(name)) {
      // Not listed in this session (or listed before a list_changed): check what the server presents now.
      presented = new Map((await this.listAll(session)).map((tool) => [tool.name, { tool, hash: this.hashOf(tool) }]));
      this.presented.set(session, presented);
    }
    const seen = presented.get(name);
    if (!seen)
      return new McpError(INVALID_PARAMS, `tool "${name}" is not listed by the server, so it cannot be checked`, {
        reason: 'tool-not-listed',
        tool: name,
      });
    const verdict = toolVerdict(pins, name, seen.hash);
    if (verdict.report) void this.report(server, pins, [seen.tool]).catch(() => undefined);
    if (verdict.allowed) return undefined;
    return new McpError(INVALID_PARAMS, verdict.reason, {
      reason: 'tool-withheld',
      tool: name,
      hash: seen.hash,
      approvedHash: verdict.approvedHash,
    });
  }

  private announce(payload: Uint8Array): void {
    let installationId: unknown;
    try {
      installationId = (JSON.parse(new TextDecoder().decode(payload)) as { data?: { installationId?: unknown } }).data
        ?.installationId;
    } catch {
      return;
    }
    if (typeof installationId !== 'string') return;
    for (const listener of this.toolsChanged) listener(installationId);
  }

  private async pinsOf(server: PinnedServer): Promise<ServerPins> {
    const key = `${server.gatewayId.toLowerCase()}:${server.serverId}`;
    let pins: ServerPins | null;
    try {
      pins = await this.pins.get(key, async () => {
        const answer = await this.bus.request(
          registryToolPins,
          { gatewayId: server.gatewayId.toLowerCase(), serverId: server.serverId },
          { timeoutMs: REQUEST_TIMEOUT_MS },
        );
        const value: ServerPins | null = answer.found
          ? {
              installationId: answer.installationId,
              pinned: answer.pinned,
              newToolsNeedApproval: answer.newToolsNeedApproval,
              tools: new Map(answer.tools.map((pin) => [pin.name, pin])),
            }
          : null;
        return { value, ttlMs: PINS_TTL_MS };
      });
    } catch (error) {
      const stale = this.pins.stale(key);
      if (stale === undefined) {
        this.log.warn({ err: error, ...server }, 'tool pins cannot be fetched; tools are withheld');
        throw new McpError(INTERNAL_ERROR, 'the tool pins of this server cannot be checked right now; try again soon');
      }
      pins = stale;
    }
    if (!pins) throw new McpError(INTERNAL_ERROR, `server "${server.serverId}" is no longer served by this gateway`);
    return pins;
  }

  /** Every page of the upstream's tools, asked directly (not through a client's request). */
  private async listAll(session: UpstreamSession): Promise<DiscoveredTool[]> {
    const tools: DiscoveredTool[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < MAX_LIST_PAGES; page++) {
      const result = await session.client.request(
        { method: 'tools/list', ...(cursor ? { params: { cursor } } : {}) },
        ResultSchema,
      );
      for (const item of (result.tools as unknown[] | undefined) ?? []) {
        const parsed = discoveredToolSchema.safeParse(item);
        if (parsed.success) tools.push(parsed.data);
      }
      cursor = typeof result.nextCursor === 'string' ? result.nextCursor : undefined;
      if (!cursor) break;
    }
    return tools;
  }

  private async report(server: PinnedServer, pins: ServerPins, tools: DiscoveredTool[]): Promise<void> {
    const now = Date.now();
    const fresh = tools.filter((tool) => {
      const key = `${pins.installationId}:${tool.name}:${this.hashOf(tool)}`;
      const last = this.reported.get(key);
      if (last !== undefined && now - last < REPORT_AGAIN_MS) return false;
      if (this.reported.size >= MAX_HASHES) this.reported.clear();
      this.reported.set(key, now);
      return true;
    });
    if (fresh.length === 0) return;
    for (let start = 0; start < fresh.length; start += 500) {
      await this.bus.request(
        registryToolReport,
        {
          gatewayId: server.gatewayId.toLowerCase(),
          serverId: server.serverId,
          tools: fresh.slice(start, start + 500),
        },
        { timeoutMs: REQUEST_TIMEOUT_MS },
      );
    }
    this.pins.expireAll();
    this.log.info({ ...server, tools: fresh.map((t) => t.name) }, 'tool definitions reported to the registry');
  }
}
