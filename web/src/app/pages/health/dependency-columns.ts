import type { ServiceStatus } from '@portcullis/contracts';

// The platform's own infrastructure first, in the order operators debug it; anything else a
// service reports (an upstream, a vault) follows alphabetically so a new check is never hidden.
const KNOWN_DEPENDENCIES = ['nats', 'postgres', 'redis'];

const LABELS: Readonly<Record<string, string>> = { nats: 'NATS', postgres: 'Postgres', redis: 'Redis' };

export function dependencyColumns(services: readonly ServiceStatus[]): string[] {
  const reported = new Set(services.flatMap((service) => Object.keys(service.checks)));
  const extras = [...reported].filter((name) => !KNOWN_DEPENDENCIES.includes(name)).sort();
  return [...KNOWN_DEPENDENCIES, ...extras];
}

export function dependencyLabel(name: string): string {
  return LABELS[name] ?? name;
}
