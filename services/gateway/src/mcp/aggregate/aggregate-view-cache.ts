import { MCP_SESSION_CHANGED_SUBJECT, type PortcullisGateway } from '@portcullis/contracts';
import type { BusConnection } from '@portcullis/messaging';
import type { NatsConnection } from 'nats';
import type { AggregateView } from './aggregate-view';

/** A safety net: a view is rebuilt at least this often even if a change signal went missing. */
export const LIST_MAX_AGE_MS = 60_000;
/** Lookups (which server a tool is on) may use a view this old, even one whose lists are not trusted. */
export const LOOKUP_MAX_AGE_MS = 30_000;
const MAX_ENTRIES = 10_000;

/** The catalog hands out a new object per resolve; the fingerprint is computed once per object. */
const shapes = new WeakMap<PortcullisGateway, string>();
const shapeOf = (gateway: PortcullisGateway): string => {
  let shape = shapes.get(gateway);
  if (shape === undefined) {
    const { servers, prefixMode } = gateway;
    const tools = (gateway as { tools?: unknown }).tools ?? null;
    shapes.set(gateway, (shape = JSON.stringify([servers, prefixMode, tools])));
  }
  return shape;
};

interface Entry {
  view: AggregateView;
  at: number;
  /** What of the gateway's definition the view depends on (servers, prefix mode, allow-lists). */
  shape: string;
  upstreams: string[];
  /** False when the lists may be stale from the start (a change arrived while building, an upstream failed). */
  listsValid: boolean;
}

/**
 * The merged views of aggregated sessions, kept until something they show changes: workers signal every list_changed
 * and every ended session on `mcp.v1.session-changed.<upstream session>`, whichever call or stream carried the
 * notification itself. Every gateway replica listens, so a session continuing on another replica is covered too; on
 * a (re)connect the cache starts empty, since signals sent while disconnected are lost.
 */
export class AggregateViewCache {
  private readonly entries = new Map<string, Entry>();
  private readonly tokensOf = new Map<string, Set<string>>();
  private subscribedOn: NatsConnection | undefined;
  /** Counts signals, so a build can tell whether one arrived while it was fetching. */
  private changes = 0;

  constructor(private readonly connection: BusConnection) {
    connection.onConnected((nc) => {
      this.clear();
      if (this.subscribedOn === nc) return; // subscriptions survive reconnects
      this.subscribedOn = nc;
      const prefix = `${connection.options.prefix}${MCP_SESSION_CHANGED_SUBJECT}.`;
      nc.subscribe(`${prefix}*`, { callback: (_error, msg) => this.changed(msg.subject.slice(prefix.length)) });
    });
  }

  /** The view for lists: only one nothing has invalidated; for lookups, any recent one. */
  get(token: string, gateway: PortcullisGateway, purpose: 'list' | 'lookup'): AggregateView | undefined {
    const entry = this.entries.get(token);
    if (!entry || entry.shape !== shapeOf(gateway)) return undefined;
    const age = Date.now() - entry.at;
    if (purpose === 'lookup') return age < LOOKUP_MAX_AGE_MS ? entry.view : undefined;
    return entry.listsValid && age < LIST_MAX_AGE_MS ? entry.view : undefined;
  }

  /** Marks the start of a build; pass the mark to `set`. */
  mark(): number {
    return this.changes;
  }

  set(
    token: string,
    entry: { view: AggregateView; gateway: PortcullisGateway; upstreams: string[]; complete: boolean },
    mark: number,
  ): void {
    this.delete(token);
    // Without a subscription no change would ever reach us: such views serve lookups only.
    const listening = this.subscribedOn !== undefined && this.connection.connection === this.subscribedOn;
    const listsValid = entry.complete && listening && this.changes === mark;
    const { view, gateway, upstreams } = entry;
    this.entries.set(token, { view, shape: shapeOf(gateway), upstreams, at: Date.now(), listsValid });
    for (const upstream of entry.upstreams) {
      let tokens = this.tokensOf.get(upstream);
      if (!tokens) this.tokensOf.set(upstream, (tokens = new Set()));
      tokens.add(token);
    }
    if (this.entries.size > MAX_ENTRIES) this.delete(this.entries.keys().next().value!);
  }

  delete(token: string): void {
    const entry = this.entries.get(token);
    if (!entry) return;
    this.entries.delete(token);
    for (const upstream of entry.upstreams) {
      const tokens = this.tokensOf.get(upstream);
      tokens?.delete(token);
      if (tokens?.size === 0) this.tokensOf.delete(upstream);
    }
  }

  get size(): number {
    return this.entries.size;
  }

  private changed(upstreamSession: string): void {
    this.changes++;
    for (const token of [...(this.tokensOf.get(upstreamSession) ?? [])]) this.delete(token);
  }

  private clear(): void {
    this.changes++;
    this.entries.clear();
    this.tokensOf.clear();
  }
}
