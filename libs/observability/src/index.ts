export * from './logger';
export * from './mcp-semconv';
export * from './metrics';
export * from './readiness';
export * from './tracing';
