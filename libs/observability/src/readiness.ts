import type { Metrics } from './metrics';

export type DependencyName = 'nats' | 'postgres' | 'redis';

/** Something a service needs to do its work; `check` must settle quickly and never throw. */
export interface DependencyCheck {
  name: DependencyName;
  check(): Promise<boolean>;
  /**
   * False for a dependency the service's requests do not need (e.g. the gateway's Postgres, which holds only its
   * event outbox): it is reported and measured, but being down does not take the instance out of service.
   */
  required?: boolean;
}

const CHECK_TIMEOUT_MS = 1_500;

const withTimeout = (promise: Promise<boolean>): Promise<boolean> =>
  Promise.race([
    promise.catch(() => false),
    new Promise<boolean>((resolve) => setTimeout(() => resolve(false), CHECK_TIMEOUT_MS).unref()),
  ]);

/** Collects the dependency checks of a service; `/ready` and the bus status handler both answer from it. */
export class Readiness {
  private readonly checks: DependencyCheck[] = [];
  private shuttingDown = false;

  constructor(private readonly metrics: Metrics) {}

  register(check: DependencyCheck): void {
    this.checks.push(check);
  }

  /** Once shutdown begins the instance reports not-ready so load balancers stop sending it work. */
  markShuttingDown(): void {
    this.shuttingDown = true;
  }

  async evaluate(): Promise<{ ready: boolean; checks: Record<string, 'up' | 'down'> }> {
    const results = await Promise.all(
      this.checks.map(async (c) => [c.name, await withTimeout(c.check()), c.required !== false] as const),
    );
    const checks: Record<string, 'up' | 'down'> = {};
    for (const [name, up] of results) {
      checks[name] = up ? 'up' : 'down';
      this.metrics.dependencyUp.set({ dependency: name }, up ? 1 : 0);
    }
    return { ready: !this.shuttingDown && results.every(([, up, required]) => up || !required), checks };
  }
}
