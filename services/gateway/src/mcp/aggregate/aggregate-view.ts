import type { ToolPrefixMode, WithheldTools } from '@portcullis/contracts';
import { buildToolNameMap } from '../tool-names/build-tool-name-map';
import type { ToolNameMap } from '../tool-names/tool-name-map';
import { TOOL_NAME_SEPARATOR } from '../tool-names/tool-name-rules';
import { uriTemplatePattern } from './uri-template-pattern';

interface Named {
  name: string;
}
interface WithUri {
  uri: string;
}

/** The merged tools, prompts and resources of a gateway's servers, with the names clients see and where they go. */
export class AggregateView {
  private constructor(
    readonly tools: Named[],
    readonly prompts: Named[],
    readonly resources: WithUri[],
    readonly resourceTemplates: unknown[],
    readonly toolNames: ToolNameMap,
    readonly promptNames: ToolNameMap,
    private readonly resourceServers: Map<string, string>,
    /** Which server serves the URIs a template expands to, in server order (the first match wins). */
    private readonly templateServers: { server: string; pattern: RegExp }[],
    /** Set when the gateway has a single server: every URI is that server's to answer, listed or not. */
    private readonly onlyServer: string | undefined,
    /** Tools a worker withheld (tool pinning), by the names a client would call them, with the reason. */
    private readonly withheld: Map<string, string> = new Map(),
  ) {}

  static build(
    mode: ToolPrefixMode,
    lists: {
      tools: { server: string; items: Named[]; withheld?: WithheldTools }[];
      prompts: { server: string; items: Named[] }[];
      resources: { server: string; items: WithUri[] }[];
      resourceTemplates: { server: string; items: unknown[] }[];
    },
  ): AggregateView {
    const toolNames = buildToolNameMap(
      lists.tools.flatMap((l) => l.items.map((t) => ({ server: l.server, tool: t.name }))),
      mode,
    );
    const promptNames = buildToolNameMap(
      lists.prompts.flatMap((l) => l.items.map((p) => ({ server: l.server, tool: p.name }))),
      mode,
    );
    const rename = (names: ToolNameMap, lists: { server: string; items: Named[] }[]) =>
      lists.flatMap((l) =>
        l.items.flatMap((item) => {
          const name = names.exposedName(l.server, item.name);
          return name ? [{ ...item, name }] : [];
        }),
      );
    const resourceServers = new Map<string, string>();
    for (const list of lists.resources)
      for (const r of list.items) if (!resourceServers.has(r.uri)) resourceServers.set(r.uri, list.server);
    const templateServers = lists.resourceTemplates.flatMap((l) =>
      l.items.flatMap((t) => {
        const template = (t as { uriTemplate?: unknown }).uriTemplate;
        const pattern = typeof template === 'string' ? uriTemplatePattern(template) : undefined;
        return pattern ? [{ server: l.server, pattern }] : [];
      }),
    );
    const servers = new Set(lists.tools.map((l) => l.server));
    const withheld = new Map<string, string>();
    for (const list of lists.tools)
      for (const tool of list.withheld ?? []) {
        withheld.set(`${list.server}${TOOL_NAME_SEPARATOR}${tool.name}`, tool.reason);
        if (mode !== 'always' && !toolNames.resolve(tool.name)) withheld.set(tool.name, tool.reason);
      }
    return new AggregateView(
      rename(toolNames, lists.tools),
      rename(promptNames, lists.prompts),
      lists.resources.flatMap((l) => l.items),
      lists.resourceTemplates.flatMap((l) => l.items),
      toolNames,
      promptNames,
      resourceServers,
      templateServers,
      servers.size === 1 ? [...servers][0] : undefined,
      withheld,
    );
  }

  /** Why a tool a client calls by this name is withheld, if a worker withheld it. */
  withheldReason(name: string): string | undefined {
    return this.withheld.get(name);
  }

  serverOfTool(name: string): string {
    return this.toolNames.resolve(name)?.server ?? '';
  }

  serverOfPrompt(name: string): string {
    return this.promptNames.resolve(name)?.server ?? '';
  }

  /** The server a URI belongs to: the one listing it, else the first whose resource template matches it. */
  serverOfResource(uri: string): string | undefined {
    return (
      this.resourceServers.get(uri) ?? this.templateServers.find((t) => t.pattern.test(uri))?.server ?? this.onlyServer
    );
  }
}
