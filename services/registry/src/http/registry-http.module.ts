import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { RbacGuard } from '../auth/rbac.guard';
import { ForwardedRequests } from './forwarded-requests';
import { OrganizationLookup } from './organization-lookup';
import { RegistryDb } from './registry-db';
import { RegistryEvents } from './registry-events';
import { RegistryHttpHandlers } from './registry-http.handlers';

/** REST plumbing every registry feature uses: requests from the gateway, RBAC, the database, admin events. */
@Global()
@Module({
  controllers: [RegistryHttpHandlers],
  providers: [
    ForwardedRequests,
    OrganizationLookup,
    RegistryDb,
    RegistryEvents,
    { provide: APP_GUARD, useClass: RbacGuard },
  ],
  exports: [ForwardedRequests, OrganizationLookup, RegistryDb, RegistryEvents],
})
export class RegistryHttpModule {}
