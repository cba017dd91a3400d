import { Module } from '@nestjs/common';

/** Catalog, installations, gateways and identities arrive with the registry issue; the schema starts here. */
@Module({})
export class RegistryModule {}
