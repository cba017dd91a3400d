import type { Attributes } from '@opentelemetry/api';

/**
 * Attribute keys of the OpenTelemetry semantic conventions for MCP (GenAI conventions, development status). Copied
 * rather than imported from the incubating entry point of `@opentelemetry/semantic-conventions`, as OpenTelemetry
 * advises for conventions that may still change between its minor versions.
 */
export const MCP_ATTR = {
  methodName: 'mcp.method.name',
  sessionId: 'mcp.session.id',
  protocolVersion: 'mcp.protocol.version',
  resourceUri: 'mcp.resource.uri',
  requestId: 'jsonrpc.request.id',
  jsonRpcVersion: 'jsonrpc.protocol.version',
  toolName: 'gen_ai.tool.name',
  promptName: 'gen_ai.prompt.name',
  operationName: 'gen_ai.operation.name',
  responseStatusCode: 'rpc.response.status_code',
  errorType: 'error.type',
  networkTransport: 'network.transport',
  networkProtocolName: 'network.protocol.name',
} as const;

/** `error.type` of a tool result with `isError: true`: the call was answered, the tool failed. */
export const MCP_TOOL_ERROR = 'tool_error';

/** Every method of MCP 2025-11-25 (and the 2026 drafts' additions) a client may send; anything else is `other`. */
const MCP_METHODS = new Set([
  'initialize',
  'ping',
  'tools/list',
  'tools/call',
  'prompts/list',
  'prompts/get',
  'resources/list',
  'resources/templates/list',
  'resources/read',
  'resources/subscribe',
  'resources/unsubscribe',
  'completion/complete',
  'logging/setLevel',
  'tasks/get',
  'tasks/list',
  'tasks/result',
  'tasks/cancel',
  'server/discover',
  'subscriptions/listen',
  'notifications/initialized',
  'notifications/cancelled',
  'notifications/progress',
  'notifications/roots/list_changed',
  'response',
]);

/** A metric label for a method: clients choose method names, so unknown ones must not each make new series. */
export function mcpMethodLabel(method: string): string {
  return MCP_METHODS.has(method) ? method : 'other';
}

/** A JSON-RPC message as it came off the wire; only `id`, `method` and `params` are read. */
type McpRequestLike = object & { id?: unknown; method?: unknown; params?: unknown };

/** The low-cardinality target of a request as the conventions name it: the tool or prompt, if any. */
export function mcpTarget(message: McpRequestLike): string | undefined {
  const params = message.params as { name?: unknown } | undefined;
  if ((message.method === 'tools/call' || message.method === 'prompts/get') && typeof params?.name === 'string')
    return params.name;
  return undefined;
}

/** `{mcp.method.name} {target}`, or the method alone when there is no target. */
export function mcpSpanName(method: string, target: string | undefined): string {
  return target === undefined ? method : `${method} ${target}`;
}

/** The attributes a request itself determines (method, id, tool or prompt, resource). */
export function mcpRequestAttributes(message: McpRequestLike, method: string): Attributes {
  const attributes: Attributes = { [MCP_ATTR.methodName]: method, [MCP_ATTR.jsonRpcVersion]: '2.0' };
  if (typeof message.id === 'string' || typeof message.id === 'number')
    attributes[MCP_ATTR.requestId] = String(message.id);
  const params = message.params as { name?: unknown; uri?: unknown } | undefined;
  if (method === 'tools/call' && typeof params?.name === 'string') {
    attributes[MCP_ATTR.toolName] = params.name;
    attributes[MCP_ATTR.operationName] = 'execute_tool';
  } else if (method === 'prompts/get' && typeof params?.name === 'string') {
    attributes[MCP_ATTR.promptName] = params.name;
  }
  if (typeof params?.uri === 'string') attributes[MCP_ATTR.resourceUri] = params.uri;
  return attributes;
}

/** What went wrong in a response, as `error.type` names it: the JSON-RPC error code, or `tool_error`. */
export function mcpResponseError(response: unknown): { errorType: string; code: number | null } | undefined {
  if (typeof response !== 'object' || response === null) return undefined;
  const { error, result } = response as { error?: { code?: unknown }; result?: { isError?: unknown } };
  if (error && typeof error === 'object') {
    const code = typeof error.code === 'number' ? error.code : null;
    return { errorType: code === null ? '_OTHER' : String(code), code };
  }
  if (result && typeof result === 'object' && result.isError === true) return { errorType: MCP_TOOL_ERROR, code: null };
  return undefined;
}
