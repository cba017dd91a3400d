import { Inject, Injectable, type OnApplicationShutdown, type Provider } from '@nestjs/common';
import type { McpRuntime } from '../runtime.types';
import { MCP_RUNTIME } from '../runtime.tokens';
import { LocalRuntime, type LocalRuntimeOptions } from './local-runtime';

/** Stops every instance when Nest shuts down, so no sandbox outlives a graceful stop of the service. */
@Injectable()
export class McpRuntimeShutdown implements OnApplicationShutdown {
  constructor(@Inject(MCP_RUNTIME) private readonly runtime: McpRuntime) {}

  onApplicationShutdown(): Promise<void> {
    return this.runtime.shutdown();
  }
}

/**
 * Binds a LocalRuntime to MCP_RUNTIME. The host is checked on the first start, not here, so a machine that cannot
 * sandbox still boots the service; call `prepare()` at boot to fail fast instead.
 */
export function localRuntimeProviders(options: LocalRuntimeOptions): Provider[] {
  return [{ provide: MCP_RUNTIME, useFactory: () => new LocalRuntime(options) }, McpRuntimeShutdown];
}
