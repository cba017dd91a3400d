'use strict';
// Integration tests talk to real Postgres, Redis and NATS: give them room (Jest ignores testTimeout per project).
jest.setTimeout(60_000);
