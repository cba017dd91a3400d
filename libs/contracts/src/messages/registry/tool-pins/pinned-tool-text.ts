/**
 * JSON with object keys sorted (recursively) and no whitespace, so equal definitions give equal text whatever order
 * a server sends their keys in. Absent (undefined) members are left out, as JSON.stringify does.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value))
    return `[${value.map((item) => canonicalJson(item === undefined ? null : item)).join(',')}]`;
  const members = Object.keys(value)
    .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
    .sort()
    .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
  return `{${members.join(',')}}`;
}

/** What a tool pin covers: everything that tells a model what the tool does and takes. */
export interface PinnedToolFields {
  name: string;
  description?: string;
  inputSchema?: unknown;
  outputSchema?: unknown;
  annotations?: unknown;
}

/**
 * The text a tool pin hashes (SHA-256, hex): the canonical JSON of the tool's name, description, input and output
 * schemas and annotations. Registry and orchestrator hash the same text, each with its own SHA-256.
 */
export function pinnedToolText(tool: PinnedToolFields): string {
  return canonicalJson({
    name: tool.name,
    description: tool.description ?? null,
    inputSchema: tool.inputSchema ?? null,
    outputSchema: tool.outputSchema ?? null,
    annotations: tool.annotations ?? null,
  });
}
