import { createHash } from 'node:crypto';
import type { PortcullisGateway, PortcullisServer } from '@portcullis/contracts';
import { type CatalogEntryInput, catalogEntryInput } from '../catalog/catalog-entry.schema';

/** The catalog entry a portcullis.yaml server becomes (validated like one sent to the API). */
export function catalogInputOf(server: PortcullisServer): CatalogEntryInput {
  const runtime = server.runtime;
  const common = {
    name: server.id,
    slug: server.id,
    title: server.name,
    description: server.description ?? '',
    version: '1',
    tags: ['gitops'],
    newToolsNeedApproval: false,
  };
  if (runtime.type === 'remote') {
    return catalogEntryInput.parse({
      ...common,
      server: {
        kind: 'remote',
        transport: runtime.transport,
        url: runtime.url,
        headers: Object.entries(runtime.headers).map(([name, value]) => ({ name, value })),
      },
    });
  }
  return catalogEntryInput.parse({
    ...common,
    server: {
      kind: 'local',
      command: runtime.command,
      args: runtime.args,
      env: Object.entries(runtime.env).map(([name, value]) => ({ name, value })),
      allowedHosts: runtime.network.allow,
      limits: {
        ...(runtime.limits.memoryMb ? { memoryMb: runtime.limits.memoryMb } : {}),
        ...(runtime.limits.cpus ? { cpus: runtime.limits.cpus } : {}),
        ...(runtime.limits.pids ? { processes: runtime.limits.pids } : {}),
      },
    },
  });
}

/** What a file gateway asks for, by server id (resolved to installations when applied). */
export function gatewaySpecOf(gateway: PortcullisGateway) {
  return {
    name: gateway.name,
    slug: gateway.slug,
    description: gateway.description ?? '',
    prefixMode: gateway.prefixMode,
    untrustedContext: gateway.untrustedContext,
    servers: gateway.servers,
  };
}

/** A stable hash of what was applied: equal hashes mean there is nothing to do. */
export const specHash = (spec: unknown): string => createHash('sha256').update(JSON.stringify(spec)).digest('hex');
