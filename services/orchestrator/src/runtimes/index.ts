export * from './local/local-runtime';
export * from './local/local-runtime.config';
export * from './local/local-runtime.providers';
export * from './runtime.errors';
export * from './runtime.tokens';
export * from './runtime.types';
export * from './server-definition.schema';
