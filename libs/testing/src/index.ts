export * from './http';
export * from './platform';
export * from './repo-root';
export * from './scripts';
export * from './test-infra';
export * from './service-port';
