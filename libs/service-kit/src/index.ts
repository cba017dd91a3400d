export * from './bootstrap-service';
export * from './core.module';
export * from './http/problem-details.filter';
export * from './service-definition';
export * from './tokens';
export * from './http/zod-validation.pipe';
