import type { IncomingHttpHeaders } from 'node:http';
import { JsonRpcErrorCode } from '../jsonrpc/jsonrpc-error-codes';
import { jsonRpcError } from '../jsonrpc/jsonrpc-error-response';
import type { JsonRpcErrorResponse } from '../jsonrpc/jsonrpc-message.schema';
import {
  LEGACY_PROTOCOL_VERSIONS,
  LOG_LEVELS,
  type LogLevel,
  META,
  MODERN_METHODS,
  MODERN_PROTOCOL_VERSIONS,
  isModernVersion,
} from './protocol';

/** A 2026-07-28 request that passed the envelope and header checks. */
export interface ModernRequest {
  id: string | number;
  method: string;
  params: Record<string, unknown>;
  protocolVersion: string;
  clientCapabilities: Record<string, unknown>;
  clientInfo?: { name: string; version: string };
  logLevel?: LogLevel;
  /** `Mcp-Param-<Name>` headers by lower-cased name, values trimmed and still encoded. */
  paramHeaders: Record<string, string>;
}

export type Classified =
  | { era: 'legacy' }
  | { era: 'modern'; request: ModernRequest }
  /** A modern notification: accepted (202) and dropped, as the revision defines none over HTTP. */
  | { era: 'modern'; notification: true }
  | { era: 'modern'; status: number; error: JsonRpcErrorResponse };

const SENTINEL = /^=\?base64\?(.*)\?=$/s;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const header = (headers: IncomingHttpHeaders, name: string): string | undefined => {
  const value = headers[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? undefined : first.trim();
};

/**
 * An `Mcp-Name`/`Mcp-Param-*` value, Base64 sentinel decoded; undefined when the sentinel holds no canonical Base64.
 * Only a value both opened and closed like the sentinel is one; anything else is the value itself.
 */
export function decodeHeaderValue(value: string): string | undefined {
  const sentinel = SENTINEL.exec(value);
  if (!sentinel) return value;
  if (!BASE64.test(sentinel[1])) return undefined;
  const bytes = Buffer.from(sentinel[1], 'base64');
  if (bytes.toString('base64') !== sentinel[1]) return undefined;
  return bytes.toString('utf8');
}

/**
 * Which protocol era one POST belongs to, decided per request from the body (the `_meta` protocol version claim)
 * and the `MCP-Protocol-Version` header: a 2026-07-28 request is served statelessly, everything else keeps the
 * 2025-11-25 path unchanged. A modern request with a broken envelope or headers is answered here, with the status
 * and error code the revision prescribes.
 */
export function classifyRequest(headers: IncomingHttpHeaders, body: unknown): Classified {
  if (Array.isArray(body)) {
    const modern = body.some(
      (m) => isObject(m) && isObject(m.params) && isObject(m.params._meta) && META.protocolVersion in m.params._meta,
    );
    return modern
      ? reject(
          400,
          null,
          JsonRpcErrorCode.InvalidRequest,
          'Invalid Request: batches are not part of protocol 2026-07-28',
        )
      : { era: 'legacy' };
  }
  if (!isObject(body) || typeof body.method !== 'string') return { era: 'legacy' };
  const method = body.method;
  const id = typeof body.id === 'string' || typeof body.id === 'number' ? body.id : null;
  const params = isObject(body.params) ? body.params : undefined;
  const meta = params && isObject(params._meta) ? params._meta : undefined;
  const headerVersion = header(headers, 'mcp-protocol-version');
  const headerModern = isModernVersion(headerVersion);
  const claimed = meta?.[META.protocolVersion];
  const hasClaim = meta !== undefined && META.protocolVersion in meta;

  if (!hasClaim || (typeof claimed === 'string' && LEGACY_PROTOCOL_VERSIONS.includes(claimed))) {
    if (!headerModern) return { era: 'legacy' };
    if (method === 'initialize')
      return reject(
        400,
        id,
        JsonRpcErrorCode.HeaderMismatch,
        'Header mismatch: initialize sent with a 2026-07-28 MCP-Protocol-Version header',
      );
    return reject(
      400,
      id,
      JsonRpcErrorCode.InvalidParams,
      `Invalid params: the request lacks the _meta envelope (${META.protocolVersion}) protocol ${headerVersion} requires`,
    );
  }
  if (typeof claimed !== 'string')
    return reject(
      400,
      id,
      JsonRpcErrorCode.InvalidParams,
      `Invalid params: _meta ${META.protocolVersion} must be a string`,
    );
  if (id === null)
    return body.id === undefined
      ? { era: 'modern', notification: true }
      : reject(400, null, JsonRpcErrorCode.InvalidRequest, 'Invalid Request: id must be a string or a number');

  const envelope = checkEnvelope(meta);
  if (typeof envelope === 'string')
    return reject(400, id, JsonRpcErrorCode.InvalidParams, `Invalid params: ${envelope}`);
  const versionMismatch = checkVersionHeader(headers, claimed);
  if (versionMismatch) return reject(400, id, JsonRpcErrorCode.HeaderMismatch, `Header mismatch: ${versionMismatch}`);
  if (!MODERN_PROTOCOL_VERSIONS.includes(claimed))
    return reject(400, id, JsonRpcErrorCode.UnsupportedProtocolVersion, `Unsupported protocol version: ${claimed}`, {
      supported: [...MODERN_PROTOCOL_VERSIONS],
      requested: claimed,
    });
  const mismatch = checkHeaders(headers, method, params!);
  if (mismatch) return reject(400, id, JsonRpcErrorCode.HeaderMismatch, `Header mismatch: ${mismatch}`);
  if (!MODERN_METHODS.has(method))
    return reject(404, id, JsonRpcErrorCode.MethodNotFound, `Method not found: ${method}`);
  return {
    era: 'modern',
    request: {
      id,
      method,
      params: params!,
      protocolVersion: claimed,
      ...envelope,
      paramHeaders: paramHeaders(headers),
    },
  };
}

function paramHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const found: Record<string, string> = {};
  for (const name of Object.keys(headers))
    if (name.startsWith('mcp-param-')) found[name.slice('mcp-param-'.length)] = header(headers, name) ?? '';
  return found;
}

function checkEnvelope(
  meta: Record<string, unknown>,
): Pick<ModernRequest, 'clientCapabilities' | 'clientInfo' | 'logLevel'> | string {
  const capabilities = meta[META.clientCapabilities];
  if (!isObject(capabilities)) return `_meta ${META.clientCapabilities} is required and must be an object`;
  const info = meta[META.clientInfo];
  if (info !== undefined && !(isObject(info) && typeof info.name === 'string' && typeof info.version === 'string'))
    return `_meta ${META.clientInfo} must name the client and its version`;
  const level = meta[META.logLevel];
  if (level !== undefined && !LOG_LEVELS.includes(level as LogLevel))
    return `_meta ${META.logLevel} must be one of ${LOG_LEVELS.join(', ')}`;
  return {
    clientCapabilities: capabilities,
    ...(info ? { clientInfo: info as ModernRequest['clientInfo'] } : {}),
    ...(level ? { logLevel: level as LogLevel } : {}),
  };
}

/** The standard request headers mirror the body; a proxy routing on one and a server acting on the other must agree. */
function checkVersionHeader(headers: IncomingHttpHeaders, version: string): string | undefined {
  const headerVersion = header(headers, 'mcp-protocol-version');
  if (headerVersion === undefined) return 'the MCP-Protocol-Version header is required';
  if (headerVersion !== version) return `MCP-Protocol-Version ${headerVersion} does not match _meta ${version}`;
  return undefined;
}

function checkHeaders(
  headers: IncomingHttpHeaders,
  method: string,
  params: Record<string, unknown>,
): string | undefined {
  const methodHeader = header(headers, 'mcp-method');
  if (methodHeader === undefined) return 'the Mcp-Method header is required';
  if (methodHeader !== method) return `Mcp-Method ${methodHeader} does not match the body's method ${method}`;
  const field =
    method === 'resources/read' ? 'uri' : method === 'tools/call' || method === 'prompts/get' ? 'name' : undefined;
  const value = field ? params[field] : undefined;
  if (typeof value !== 'string') return undefined;
  const nameHeader = header(headers, 'mcp-name');
  if (nameHeader === undefined) return `the Mcp-Name header is required for ${method}`;
  const decoded = decodeHeaderValue(nameHeader);
  if (decoded === undefined) return 'the Mcp-Name header carries a malformed Base64 value';
  if (decoded !== value) return `Mcp-Name ${nameHeader} does not match the body's ${field}`;
  return undefined;
}

function reject(status: number, id: string | number | null, code: number, message: string, data?: unknown): Classified {
  return { era: 'modern', status, error: jsonRpcError(id, code, message, data) };
}
