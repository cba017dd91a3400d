import { AsyncLocalStorage } from 'node:async_hooks';

/** On whose behalf work is being done; carried across the bus in headers and held per request here. */
export interface CallerScope {
  tenant: string;
  actor: string;
}

const storage = new AsyncLocalStorage<CallerScope>();

export const callerScope = {
  run<T>(scope: CallerScope, fn: () => T): T {
    return storage.run(scope, fn);
  },
  current(): CallerScope | undefined {
    return storage.getStore();
  },
};
