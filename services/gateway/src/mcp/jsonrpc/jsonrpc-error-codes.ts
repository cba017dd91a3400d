/**
 * JSON-RPC 2.0 and MCP error codes.
 *
 * MCP 2026-07-28 splits the JSON-RPC server-error range: -32000…-32019 stay implementation-defined, -32020…-32099
 * are allocated by the specification. Codes of earlier revisions stay reserved and are still what clients of those
 * revisions expect, so they are kept here with the revision that defines them.
 */
export const JsonRpcErrorCode = {
  /** Invalid JSON. */
  ParseError: -32700,
  /** Valid JSON, but not a JSON-RPC request, notification or response. */
  InvalidRequest: -32600,
  /** Unknown method, or one behind a capability the server did not advertise. */
  MethodNotFound: -32601,
  /** Bad params; in MCP also unknown tool/prompt, invalid or expired cursor, unknown resource (2026-07-28). */
  InvalidParams: -32602,
  InternalError: -32603,

  /** 2026-07-28: `MCP-Protocol-Version`/`Mcp-Method`/`Mcp-Name` headers missing or disagreeing with the body (HTTP 400). */
  HeaderMismatch: -32020,
  /** 2026-07-28: the request needs a client capability its `_meta` did not declare (HTTP 400). */
  MissingRequiredClientCapability: -32021,
  /** 2026-07-28: requested protocol version not supported; `data: { supported, requested }` (HTTP 400). */
  UnsupportedProtocolVersion: -32022,

  /** 2025-11-25 and earlier: resource not found (2026-07-28 uses InvalidParams instead). */
  ResourceNotFound: -32002,
  /** 2025-11-25 only: a URL-mode elicitation must complete before the request can proceed. */
  UrlElicitationRequired: -32042,
} as const;

export type JsonRpcErrorCodeValue = (typeof JsonRpcErrorCode)[keyof typeof JsonRpcErrorCode];

/** The sub-range MCP leaves to implementations; Portcullis-specific codes must come from here. */
export const IMPLEMENTATION_ERROR_RANGE = { min: -32019, max: -32000 } as const;
