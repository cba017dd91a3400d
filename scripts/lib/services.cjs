'use strict';
// The platform's services: the one list the launcher, the tests, the bench and the deploy files follow.
// `schema` is the Postgres schema a service owns (null: no database; today every service has one, if only for its
// event outbox); `redis`: whether it uses Redis.

/** @typedef {{ name: string, port: number, schema: string | null, redis: boolean, publicHttp: boolean }} ServiceDef */

/** @type {ServiceDef[]} */
const SERVICES = [
  { name: 'gateway', port: 3000, schema: 'gateway', redis: true, publicHttp: true },
  { name: 'registry', port: 3001, schema: 'registry', redis: true, publicHttp: false },
  { name: 'orchestrator', port: 3002, schema: 'orchestrator', redis: false, publicHttp: false },
  { name: 'llm-proxy', port: 3003, schema: 'llm', redis: true, publicHttp: true },
  { name: 'guard', port: 3004, schema: 'guard', redis: false, publicHttp: false },
  { name: 'audit', port: 3005, schema: 'audit', redis: false, publicHttp: false },
  { name: 'apps', port: 3006, schema: 'apps', redis: false, publicHttp: false },
];

const WEB_PORT = 4200;

/** Path of a service's compiled entry point, relative to the repository root. */
const entryOf = (name) => `dist/services/${name}/src/main.js`;

module.exports = { SERVICES, WEB_PORT, entryOf };
