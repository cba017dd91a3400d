import { SetMetadata } from '@nestjs/common';

export const ACCESS_METADATA = 'portcullis:registry-access';

/** A route anyone may call through the gateway (login, the OpenAPI document). */
export const PublicRoute = () => SetMetadata(ACCESS_METADATA, 'public');

/** A route any authenticated caller may call, whatever their permissions (logout, "my organisation"). */
export const AuthenticatedRoute = () => SetMetadata(ACCESS_METADATA, 'authenticated');

export type RouteAccess = 'public' | 'authenticated';
