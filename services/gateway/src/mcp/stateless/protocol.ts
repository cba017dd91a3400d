/** The stateless protocol revision this gateway serves beside 2025-11-25 on the same URLs. */
export const MODERN_PROTOCOL_VERSION = '2026-07-28';
export const MODERN_PROTOCOL_VERSIONS: readonly string[] = [MODERN_PROTOCOL_VERSION];

/** Reserved `_meta` keys of a 2026-07-28 request and result. */
export const META = {
  protocolVersion: 'io.modelcontextprotocol/protocolVersion',
  clientCapabilities: 'io.modelcontextprotocol/clientCapabilities',
  clientInfo: 'io.modelcontextprotocol/clientInfo',
  logLevel: 'io.modelcontextprotocol/logLevel',
  serverInfo: 'io.modelcontextprotocol/serverInfo',
  subscriptionId: 'io.modelcontextprotocol/subscriptionId',
} as const;

/** The only requests that may answer with an input-required result. */
export const INPUT_METHODS = new Set(['tools/call', 'prompts/get', 'resources/read']);

/** Every client request the 2026-07-28 revision defines; anything else (ping, initialize, …) is method-not-found. */
export const MODERN_METHODS = new Set([
  'server/discover',
  'tools/list',
  'tools/call',
  'prompts/list',
  'prompts/get',
  'resources/list',
  'resources/templates/list',
  'resources/read',
  'completion/complete',
  'subscriptions/listen',
]);

/** List results the client may cache: the gateway's own hint (a view changes when an admin or a server changes it). */
export const LIST_CACHE_TTL_MS = 30_000;

/**
 * What the bridge declares to a 2025-11-25 upstream when it opens a pooled session: every feature a 2026 client may
 * declare on some request. Each request's own capabilities decide whether what the upstream then asks may be passed
 * on; when not, the client gets MissingRequiredClientCapability, as the revision prescribes.
 */
export const BRIDGE_CLIENT_CAPABILITIES = {
  elicitation: { form: {}, url: {} },
  sampling: { tools: {} },
  roots: {},
} as const;

export const LOG_LEVELS = ['debug', 'info', 'notice', 'warning', 'error', 'critical', 'alert', 'emergency'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Revisions negotiated with `initialize`: a `_meta` claim naming one of these is not a stateless request. */
export const LEGACY_PROTOCOL_VERSIONS: readonly string[] = ['2024-11-05', '2025-03-26', '2025-06-18', '2025-11-25'];

export const isModernVersion = (version: unknown): boolean =>
  typeof version === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(version) && version >= MODERN_PROTOCOL_VERSION;
