import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { isAbsolute, resolve } from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { AppConfig } from '@portcullis/config';
import { orchestratorDiscover, type RequestOf, type ResponseOf } from '@portcullis/contracts';
import { BusHandlerError } from '@portcullis/messaging';
import { LOGGER, SERVICE_INFO, type ServiceInfo } from '@portcullis/service-kit';
import type { Logger } from 'pino';
import type { OrchestratorEnv } from '../env';
import { LocalRuntime } from '../runtimes';
import { RemoteRuntime } from '../runtimes/remote/remote-runtime';
import { toRuntimeDefinition } from '../servers/to-runtime-definition';

type Request = RequestOf<typeof orchestratorDiscover>;
type Response = ResponseOf<typeof orchestratorDiscover>;

/** Discovery runs few servers at once, each briefly; its sandboxes get uids below the session instances' range. */
const MAX_DISCOVERIES = 4;
const DISCOVERY_UID_BASE = 2_099_990_000;
const MAX_PAGES = 100;

/** Every page of a paginated MCP list, stopping at a repeated cursor or after MAX_PAGES. */
async function allPages<T>(list: (cursor: string | undefined) => Promise<{ items: T[]; nextCursor?: string }>) {
  const items: T[] = [];
  const seen = new Set<string>();
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const result = await list(cursor);
    items.push(...result.items);
    if (!result.nextCursor || seen.has(result.nextCursor)) break;
    seen.add(result.nextCursor);
    cursor = result.nextCursor;
  }
  return items;
}

/**
 * Starts a server once, with the same runtimes and sandbox as client sessions, to list what it offers (for the
 * registry's deploy step, which pins the tool definitions), then stops it. Nothing of the request is logged: its
 * runtime may hold credentials.
 */
@Injectable()
export class DiscoveryService implements OnApplicationShutdown {
  private readonly local: LocalRuntime;
  private readonly remote: RemoteRuntime;

  constructor(
    config: AppConfig<OrchestratorEnv>,
    @Inject(SERVICE_INFO) info: ServiceInfo,
    @Inject(LOGGER) private readonly log: Logger,
  ) {
    const stateDir = config.get('ORCHESTRATOR_STATE_DIR');
    this.local = new LocalRuntime({
      stateDir: resolve(isAbsolute(stateDir) ? stateDir : resolve(stateDir), `${info.instanceId}-discovery`),
      maxInstances: MAX_DISCOVERIES,
      sandboxUidBase: DISCOVERY_UID_BASE,
      // A server that crashes while being discovered fails the discovery at once instead of restarting.
      restart: { crashLoopThreshold: 1 },
    });
    this.remote = new RemoteRuntime({
      ssrf: {
        allowedHosts: config.get('ORCHESTRATOR_UPSTREAM_ALLOWED_HOSTS'),
        allowedCidrs: config.get('ORCHESTRATOR_UPSTREAM_ALLOWED_CIDRS'),
      },
      maxInstances: MAX_DISCOVERIES,
    });
  }

  async discover(request: Request): Promise<Response> {
    const started = Date.now();
    const { server } = request;
    const signal = AbortSignal.timeout(request.timeoutMs);
    const instanceId = `d-${randomUUID()}`;
    const runtime = server.runtime.type === 'local' ? this.local : this.remote;
    const starting =
      server.runtime.type === 'local'
        ? this.local.start(toRuntimeDefinition(server), { instanceId })
        : this.remote.start(
            {
              id: server.id,
              url: server.runtime.url,
              transport: server.runtime.transport,
              headers: server.runtime.headers,
            },
            { instanceId },
          );
    let running = false;
    try {
      await untilAborted(starting, signal);
      running = true;
      const client = await untilAborted(runtime.client(instanceId), signal);
      const result = await untilAborted(this.list(client, signal), signal);
      this.log.info({ server: server.id, tools: result.tools.length, ms: Date.now() - started }, 'server discovered');
      return { ...result, durationMs: Date.now() - started };
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      this.log.warn({ server: server.id, reason }, 'discovery failed');
      throw new BusHandlerError(`discovery of ${server.id} failed: ${reason}`);
    } finally {
      const stop = () => runtime.stop(instanceId, 'discovery finished').catch(() => undefined);
      // A start still under way when time ran out is stopped once it settles, without holding up the answer.
      if (running) await stop();
      else void starting.then(stop, stop);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([this.local.shutdown(), this.remote.shutdown()]);
  }

  private async list(client: Client, signal: AbortSignal): Promise<Omit<Response, 'durationMs'>> {
    const options = { signal };
    const capabilities = client.getServerCapabilities() ?? {};
    const tools = capabilities.tools
      ? await allPages(async (cursor) => {
          const page = await client.listTools(cursor ? { cursor } : {}, options);
          return { items: page.tools, nextCursor: page.nextCursor };
        })
      : [];
    const prompts = capabilities.prompts
      ? await allPages(async (cursor) => {
          const page = await client.listPrompts(cursor ? { cursor } : {}, options);
          return { items: page.prompts, nextCursor: page.nextCursor };
        })
      : [];
    const resources = capabilities.resources
      ? await allPages(async (cursor) => {
          const page = await client.listResources(cursor ? { cursor } : {}, options);
          return { items: page.resources, nextCursor: page.nextCursor };
        })
      : [];
    const version = client.getServerVersion();
    return {
      serverInfo: { name: version?.name ?? 'unknown', version: version?.version ?? '0' },
      tools,
      prompts,
      resources,
    };
  }
}

/** The promise, or a rejection once the signal aborts (the caller stops what is under way). */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new Error('timed out'));
  return new Promise<T>((resolvePromise, reject) => {
    const onAbort = () => reject(new Error('timed out'));
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolvePromise(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}
