import { existsSync, readFileSync, statSync } from 'node:fs';
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';

import {
  type ServiceStatus,
  type SystemHealth,
  type WhoAmI,
  systemHealthSchema,
  whoAmISchema,
} from '@portcullis/contracts';

export type GatewayMode = 'healthy' | 'degraded' | 'unauthorized' | 'bad-gateway';

export interface GatewayStub {
  readonly url: string;
  /** Switch at any time; the next API call answers accordingly. */
  mode: GatewayMode;
  close(): Promise<void>;
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};

const PLATFORM_SERVICES: ReadonlyArray<Pick<ServiceStatus, 'name' | 'checks'>> = [
  { name: 'gateway', checks: { nats: 'up', redis: 'up' } },
  { name: 'registry', checks: { nats: 'up', postgres: 'up', redis: 'up' } },
  { name: 'orchestrator', checks: { nats: 'up', postgres: 'up', redis: 'up' } },
  { name: 'llm-proxy', checks: { nats: 'up', redis: 'up' } },
  { name: 'guard', checks: { nats: 'up', postgres: 'up' } },
  { name: 'audit', checks: { nats: 'up', postgres: 'up' } },
  { name: 'apps', checks: { nats: 'up', postgres: 'up' } },
];

// Parsed with the contract's own schemas, so the stub fails loudly the day it drifts from the gateway.
export function healthPayload(mode: 'healthy' | 'degraded'): SystemHealth {
  const services = PLATFORM_SERVICES.map((service, index): ServiceStatus => {
    const base: ServiceStatus = {
      ...service,
      status: 'ready',
      version: '0.1.0',
      instanceId: `${service.name}-${index + 1}a2f`,
      uptimeSeconds: 3_725 + index * 86_400,
    };
    if (mode === 'degraded' && service.name === 'guard') {
      return { ...base, status: 'not_ready', checks: { nats: 'up', postgres: 'down' } };
    }
    if (mode === 'degraded' && service.name === 'audit') {
      return { name: 'audit', status: 'unreachable', checks: {} };
    }
    return base;
  });
  return systemHealthSchema.parse({
    status: mode === 'healthy' ? 'ready' : 'degraded',
    checkedAt: new Date().toISOString(),
    services,
  });
}

export function whoAmIPayload(): WhoAmI {
  return whoAmISchema.parse({ actor: 'admin', tenant: 'default', roles: ['platform-admin'] });
}

/** Serves the built console with SPA fallback and answers the two gateway endpoints it calls. */
export async function startGatewayStub(options: { root: string; adminToken: string }): Promise<GatewayStub> {
  const state = { mode: 'healthy' as GatewayMode };

  const server = createServer((request, response) => {
    const pathname = new URL(request.url ?? '/', 'http://stub').pathname;
    if (pathname.startsWith('/api/')) {
      answerApi(pathname, request, response, state.mode, options.adminToken);
    } else {
      serveStatic(pathname, response, options.root);
    }
  });
  await new Promise<void>((resolveListen) => server.listen(0, '127.0.0.1', resolveListen));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    get mode() {
      return state.mode;
    },
    set mode(mode: GatewayMode) {
      state.mode = mode;
    },
    close: () =>
      new Promise<void>((resolveClose) => {
        server.closeAllConnections();
        server.close(() => resolveClose());
      }),
  };
}

function answerApi(
  pathname: string,
  request: IncomingMessage,
  response: ServerResponse,
  mode: GatewayMode,
  adminToken: string,
): void {
  if (mode === 'bad-gateway') {
    return sendJson(response, 502, { message: 'Bad Gateway' });
  }
  const authorised = request.headers.authorization === `Bearer ${adminToken}` && mode !== 'unauthorized';
  if (!authorised) {
    return sendJson(response, 401, { message: 'Unauthorized' });
  }
  if (pathname === '/api/v1/auth/me') {
    return sendJson(response, 200, whoAmIPayload());
  }
  if (pathname === '/api/v1/system/health') {
    return sendJson(response, 200, healthPayload(mode));
  }
  return sendJson(response, 404, { message: 'Not Found' });
}

function serveStatic(pathname: string, response: ServerResponse, root: string): void {
  const candidate = normalize(join(root, decodeURIComponent(pathname)));
  const insideRoot = candidate === root || candidate.startsWith(root + sep);
  const file =
    insideRoot && existsSync(candidate) && statSync(candidate).isFile() ? candidate : join(root, 'index.html');
  response.writeHead(200, { 'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream' });
  response.end(readFileSync(file));
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}
