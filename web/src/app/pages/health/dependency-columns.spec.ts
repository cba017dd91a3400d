import type { ServiceStatus } from '@portcullis/contracts';

import { dependencyColumns, dependencyLabel } from './dependency-columns';

describe(dependencyColumns.name, () => {
  it('should always list the platform dependencies first', () => {
    expect(dependencyColumns([])).toEqual(['nats', 'postgres', 'redis']);
  });

  it('should append other reported checks alphabetically', () => {
    const services: ServiceStatus[] = [
      { name: 'llm-proxy', status: 'ready', checks: { upstream: 'up', nats: 'up' } },
      { name: 'guard', status: 'not_ready', checks: { opa: 'down' } },
    ];
    expect(dependencyColumns(services)).toEqual(['nats', 'postgres', 'redis', 'opa', 'upstream']);
  });
});

describe(dependencyLabel.name, () => {
  it('should name known dependencies properly and leave others as reported', () => {
    expect(dependencyLabel('nats')).toBe('NATS');
    expect(dependencyLabel('upstream')).toBe('upstream');
  });
});
