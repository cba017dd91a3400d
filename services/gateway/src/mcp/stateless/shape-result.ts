import type { JsonRpcMessage } from '@portcullis/contracts';
import { JsonRpcErrorCode } from '../jsonrpc/jsonrpc-error-codes';
import { META, MODERN_PROTOCOL_VERSIONS } from './protocol';

export interface Implementation {
  name: string;
  version: string;
  title?: string;
}

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Server capabilities the 2026-07-28 revision still defines; 2025-only ones (tasks) cannot be bridged. */
const MODERN_CAPABILITIES = ['experimental', 'logging', 'completions', 'prompts', 'resources', 'tools', 'extensions'];

export function modernCapabilities(capabilities: unknown): Json {
  if (!isObject(capabilities)) return {};
  return Object.fromEntries(Object.entries(capabilities).filter(([key]) => MODERN_CAPABILITIES.includes(key)));
}

/** A final result as the revision shapes it: `resultType`, and who answered in `_meta`. */
export function completeResult(result: unknown, serverInfo: Implementation, cacheTtlMs?: number): Json {
  const body = isObject(result) ? result : {};
  const meta = isObject(body._meta) ? body._meta : {};
  return {
    ...body,
    resultType: 'complete',
    ...(cacheTtlMs === undefined ? {} : { ttlMs: cacheTtlMs, cacheScope: 'private' }),
    _meta: { ...meta, [META.serverInfo]: serverInfo },
  };
}

/**
 * The upstream's (2025-11-25) response, answered to a 2026-07-28 client under the client's id: results get their
 * `resultType` (and cache hints for lists), and error codes this revision retired are mapped to their successors.
 */
export function modernResponse(
  id: string | number,
  upstream: JsonRpcMessage | null | undefined,
  serverInfo: Implementation,
  cacheTtlMs?: number,
): JsonRpcMessage {
  const response = (upstream ?? {}) as {
    result?: unknown;
    error?: { code?: unknown; message?: unknown; data?: unknown };
  };
  if (response.error) {
    const { code, message, data } = response.error;
    const mapped = code === JsonRpcErrorCode.ResourceNotFound ? JsonRpcErrorCode.InvalidParams : code;
    return {
      jsonrpc: '2.0',
      id,
      error: {
        code: typeof mapped === 'number' ? mapped : JsonRpcErrorCode.InternalError,
        message: typeof message === 'string' ? message : 'error',
        ...(data === undefined ? {} : { data }),
      },
    };
  }
  return { jsonrpc: '2.0', id, result: completeResult(response.result, serverInfo, cacheTtlMs) };
}

export function discoverResult(
  capabilities: Json,
  serverInfo: Implementation,
  instructions: string | undefined,
  cacheTtlMs: number,
): Json {
  return completeResult(
    {
      supportedVersions: [...MODERN_PROTOCOL_VERSIONS],
      capabilities,
      serverInfo,
      ...(instructions ? { instructions } : {}),
    },
    serverInfo,
    cacheTtlMs,
  );
}

export function inputRequiredResult(inputRequests: Json, requestState: string, serverInfo: Implementation): Json {
  return {
    resultType: 'input_required',
    inputRequests,
    requestState,
    _meta: { [META.serverInfo]: serverInfo },
  };
}

/**
 * The client capabilities an upstream's request needs, when the request's own `clientCapabilities` lack them
 * (undefined when they are all declared). Each request declares its capabilities afresh, so the check is per request.
 */
export function missingCapabilities(asked: { method: string; params?: unknown }, declared: Json): Json | undefined {
  const params = isObject(asked.params) ? asked.params : {};
  switch (asked.method) {
    case 'elicitation/create': {
      const elicitation = declared.elicitation;
      if (!isObject(elicitation)) return { elicitation: params.mode === 'url' ? { url: {} } : {} };
      const hasUrl = isObject(elicitation.url);
      const hasForm = isObject(elicitation.form) || !hasUrl; // `{}` means form mode only
      if (params.mode === 'url' && !hasUrl) return { elicitation: { url: {} } };
      if (params.mode !== 'url' && !hasForm) return { elicitation: { form: {} } };
      return undefined;
    }
    case 'sampling/createMessage': {
      const sampling = declared.sampling;
      const wantsTools = params.tools !== undefined || params.toolChoice !== undefined;
      if (!isObject(sampling)) return { sampling: wantsTools ? { tools: {} } : {} };
      if (wantsTools && !isObject(sampling.tools)) return { sampling: { tools: {} } };
      return undefined;
    }
    case 'roots/list':
      return isObject(declared.roots) ? undefined : { roots: {} };
    default:
      // Only sampling, elicitation and roots may be asked of a client; anything else it cannot answer.
      return { experimental: { [asked.method]: {} } };
  }
}

/** The params to send upstream: without the 2026 envelope keys, input responses and request state. */
export function upstreamParams(params: Json): Json {
  const { inputResponses: _responses, requestState: _state, _meta, ...rest } = params;
  const meta = isObject(_meta)
    ? Object.fromEntries(Object.entries(_meta).filter(([key]) => !key.startsWith('io.modelcontextprotocol/')))
    : {};
  return Object.keys(meta).length > 0 ? { ...rest, _meta: meta } : rest;
}
