import { Module } from '@nestjs/common';
import { AuthModule } from './auth/auth.module';
import { CatalogModule } from './catalog/catalog.module';
import { GatewaysModule } from './gateways/gateways.module';
import { GitopsModule } from './gitops/gitops.module';
import { RegistryHttpModule } from './http/registry-http.module';
import { IdentityModule } from './identity/identity.module';
import { InstallationsModule } from './installations/installations.module';
import { OpenApiModule } from './openapi/openapi.module';
import { PinningModule } from './pinning/pinning.module';
import { RequestsModule } from './requests/requests.module';
import { ResolveModule } from './resolve/resolve.module';
import { TokensModule } from './tokens/tokens.module';
import { ToolsModule } from './tools/tools.module';

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
    GatewaysModule,
    ResolveModule,
    GitopsModule,
    RequestsModule,
    ToolsModule,
    PinningModule,
  ],
})
export class RegistryModule {}
