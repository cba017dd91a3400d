/** A tool as its upstream server names it. */
export interface UpstreamToolRef {
  readonly server: string;
  readonly tool: string;
}

export interface ToolNameEntry extends UpstreamToolRef {
  /** The name clients see and call. */
  readonly name: string;
  readonly prefixed: boolean;
  /** True when the name was truncated or sanitised and carries a hash suffix. */
  readonly shortened: boolean;
}

/** Servers that expose a tool with the same name while the gateway is in `never` mode: none of them is exposed. */
export interface ToolNameConflict {
  readonly tool: string;
  readonly servers: readonly string[];
}

/**
 * The bidirectional mapping for one tool set. Exposed names are resolved only through this map, never parsed, so a
 * shortened or sanitised name still leads back to the exact upstream pair.
 */
export class ToolNameMap {
  private readonly byName = new Map<string, ToolNameEntry>();
  private readonly byServer = new Map<string, Map<string, ToolNameEntry>>();

  constructor(
    /** Sorted by exposed name, so listings are stable. */
    readonly entries: readonly ToolNameEntry[],
    readonly conflicts: readonly ToolNameConflict[],
  ) {
    for (const entry of entries) {
      if (this.byName.has(entry.name)) throw new Error(`Duplicate exposed tool name ${entry.name}`);
      this.byName.set(entry.name, entry);
      let tools = this.byServer.get(entry.server);
      if (!tools) this.byServer.set(entry.server, (tools = new Map<string, ToolNameEntry>()));
      tools.set(entry.tool, entry);
    }
  }

  /** The upstream pair behind an exposed name, or undefined when the name is not (or no longer) in the view. */
  resolve(name: string): UpstreamToolRef | undefined {
    const entry = this.byName.get(name);
    return entry && { server: entry.server, tool: entry.tool };
  }

  /** The exposed name of an upstream tool, or undefined when it is hidden by a conflict or not in the set. */
  exposedName(server: string, tool: string): string | undefined {
    return this.byServer.get(server)?.get(tool)?.name;
  }
}
