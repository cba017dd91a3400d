import type { ToolPrefixMode } from '@portcullis/contracts';
import { buildToolNameMap } from '../tool-names/build-tool-name-map';
import type { ToolNameMap } from '../tool-names/tool-name-map';

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
  ) {}

  static build(
    mode: ToolPrefixMode,
    lists: {
      tools: { server: string; items: Named[] }[];
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
    return new AggregateView(
      rename(toolNames, lists.tools),
      rename(promptNames, lists.prompts),
      lists.resources.flatMap((l) => l.items),
      lists.resourceTemplates.flatMap((l) => l.items),
      toolNames,
      promptNames,
      resourceServers,
    );
  }

  serverOfTool(name: string): string {
    return this.toolNames.resolve(name)?.server ?? '';
  }

  serverOfPrompt(name: string): string {
    return this.promptNames.resolve(name)?.server ?? '';
  }

  serverOfResource(uri: string): string | undefined {
    return this.resourceServers.get(uri);
  }
}
