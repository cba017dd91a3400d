export * from './database';
export * from './migrations/1732000000000-create-service-instances';
export * from './redis';
export * from './service-instances';
