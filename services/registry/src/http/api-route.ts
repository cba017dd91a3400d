import { applyDecorators, HttpCode, RequestMapping, RequestMethod } from '@nestjs/common';
import type * as z from 'zod';
import { RequirePermission } from './require-permission';
import { AuthenticatedRoute, PublicRoute } from './route-access';

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface ApiResponseSpec {
  description: string;
  /** Omitted for bodiless answers (204). */
  schema?: z.ZodType;
}

/** One REST route: the same zod schemas validate it (ZodValidationPipe) and describe it (the OpenAPI document). */
export interface ApiRouteSpec {
  method: Method;
  /** Nest path, e.g. `api/v1/users/:userId`. */
  path: string;
  summary: string;
  tag: string;
  /** `resource:action` needed, or who else may call it. */
  access: { permission: [resource: string, action: string] } | 'public' | 'authenticated';
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType;
  /** Success status → response; the error answers (problem details) are added to the document for every route. */
  responses: Record<number, ApiResponseSpec>;
}

export interface DeclaredRoute extends ApiRouteSpec {
  /** `<tag>.<method name>`, unique across the API. */
  operationId: string;
}

const ROUTES: DeclaredRoute[] = [];

/** Every route declared with `@ApiRoute` in the modules loaded so far (the OpenAPI document is built from them). */
export const apiRoutes = (): readonly DeclaredRoute[] => ROUTES;

const METHODS: Record<Method, RequestMethod> = {
  GET: RequestMethod.GET,
  POST: RequestMethod.POST,
  PUT: RequestMethod.PUT,
  PATCH: RequestMethod.PATCH,
  DELETE: RequestMethod.DELETE,
};

/** Declares a route, its access rule and its documentation in one place; use on controllers without a path. */
export function ApiRoute(spec: ApiRouteSpec): MethodDecorator {
  if (!spec.path.startsWith('api/v1/')) throw new Error(`registry routes live under api/v1/: ${spec.path}`);
  const status = Math.min(...Object.keys(spec.responses).map(Number));
  const access =
    spec.access === 'public'
      ? PublicRoute()
      : spec.access === 'authenticated'
        ? AuthenticatedRoute()
        : RequirePermission(...spec.access.permission);
  const route = applyDecorators(
    RequestMapping({ path: spec.path, method: METHODS[spec.method] }),
    HttpCode(status),
    access,
  );
  return (target, key, descriptor) => {
    ROUTES.push({ ...spec, operationId: `${spec.tag}.${String(key)}` });
    return route(target, key, descriptor);
  };
}
