import { Controller, Inject } from '@nestjs/common';
import { SERVICE_INFO, type ServiceInfo } from '@portcullis/service-kit';
import * as z from 'zod';
import { ApiRoute, apiRoutes } from '../http/api-route';
import { buildOpenApiDocument } from './openapi-document';

@Controller()
export class OpenApiController {
  private document: Record<string, unknown> | undefined;

  constructor(@Inject(SERVICE_INFO) private readonly info: ServiceInfo) {}

  @ApiRoute({
    method: 'GET',
    path: 'api/v1/openapi.json',
    summary: 'This document: OpenAPI 3.1 of every registry route',
    tag: 'meta',
    access: 'public',
    responses: { 200: { description: 'The OpenAPI document', schema: z.record(z.string(), z.unknown()) } },
  })
  openapi() {
    // Built on first use: by then every feature module's routes are declared.
    return (this.document ??= buildOpenApiDocument(apiRoutes(), this.info.version));
  }
}
