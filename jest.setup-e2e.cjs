'use strict';
// End-to-end tests boot the platform as a user does.
jest.setTimeout(180_000);
