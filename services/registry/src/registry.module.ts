import { Module } from '@nestjs/common';
import { AuthModule } from './auth/auth.module';
import { CatalogModule } from './catalog/catalog.module';
import { RegistryHttpModule } from './http/registry-http.module';
import { IdentityModule } from './identity/identity.module';
import { InstallationsModule } from './installations/installations.module';
import { OpenApiModule } from './openapi/openapi.module';
import { TokensModule } from './tokens/tokens.module';

/**
 * The registry: REST plumbing (requests forwarded by the gateway, RBAC, problem details, OpenAPI) and one module
 * per feature. Feature modules are listed here; each declares its routes with @ApiRoute.
 */
@Module({
  imports: [
    RegistryHttpModule,
    OpenApiModule,
    IdentityModule,
    AuthModule,
    TokensModule,
    CatalogModule,
    InstallationsModule,
  ],
})
export class RegistryModule {}
