import type { ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { AuthenticatedCaller } from '../../auth/authenticated-caller';
import type { McpCatalog, McpGateway } from './mcp-catalog';
import { restrictsTools } from './tool-allow-list';

const problem = (res: ServerResponse, status: number, title: string, detail: string, headers = {}) => {
  if (res.headersSent) return;
  const text = JSON.stringify({ type: 'about:blank', title, status, detail });
  res
    .writeHead(status, {
      'Content-Type': 'application/problem+json',
      'Content-Length': Buffer.byteLength(text),
      ...headers,
    })
    .end(text);
};

/**
 * The gateway (and, when given, one of its servers) a request names, if this caller may use it; otherwise answers
 * with problem details: 404 for a gateway or server that does not exist (or belongs to another organisation), 403
 * for one the caller may not use, 503 when the registry cannot answer and no cached answer stands in.
 */
export async function admitGateway(
  catalog: McpCatalog,
  log: Logger,
  res: ServerResponse,
  idOrSlug: string,
  caller: AuthenticatedCaller | undefined,
  server?: string,
): Promise<McpGateway | undefined> {
  if (!caller) {
    problem(res, 401, 'Unauthorized', 'A bearer token is required.');
    return undefined;
  }
  let lookup: Awaited<ReturnType<McpCatalog['lookup']>>;
  try {
    lookup = await catalog.lookup(idOrSlug, caller);
  } catch (error) {
    log.warn({ err: error, gateway: idOrSlug }, 'gateway could not be resolved');
    problem(res, 503, 'Service Unavailable', 'The gateway cannot be resolved right now; try again shortly.', {
      'Retry-After': '5',
    });
    return undefined;
  }
  if (lookup.kind === 'forbidden') {
    problem(res, 403, 'Forbidden', lookup.reason);
    return undefined;
  }
  if (lookup.kind === 'missing') {
    problem(res, 404, 'Not Found', `No gateway "${idOrSlug}"`);
    return undefined;
  }
  if (server !== undefined && !lookup.gateway.servers.includes(server)) {
    problem(res, 404, 'Not Found', `No server "${server}" on gateway "${idOrSlug}"`);
    return undefined;
  }
  if (server !== undefined && restrictsTools(lookup.gateway, server)) {
    // The per-server endpoint relays the server's lists as they are; a tool allow-list is enforced by the aggregated one.
    problem(
      res,
      403,
      'Forbidden',
      `Gateway "${idOrSlug}" serves only some tools of "${server}"; use /v1/mcp/${idOrSlug}`,
    );
    return undefined;
  }
  return lookup.gateway;
}
