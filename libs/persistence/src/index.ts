export * from './database';
export * from './migrations/1732000000000-create-service-instances';
export * from './outbox/1732000000001-create-outbox';
export * from './outbox/postgres-event-outbox';
export * from './redis';
export * from './service-instances';
