import * as z from 'zod';
import type { DeclaredRoute } from '../http/api-route';

type Json = Record<string, unknown>;

const PROBLEM = { $ref: '#/components/schemas/Problem' };
const problemSchema: Json = {
  type: 'object',
  description: 'RFC 9457 problem details.',
  required: ['type', 'title', 'status'],
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    instance: { type: 'string' },
    errors: {
      type: 'array',
      description: 'The fields that failed validation.',
      items: {
        type: 'object',
        required: ['field', 'message'],
        properties: { field: { type: 'string' }, message: { type: 'string' } },
      },
    },
  },
};

const jsonSchemaOf = (schema: z.ZodType, io: 'input' | 'output'): Json => {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, {
    target: 'draft-2020-12',
    io,
    unrepresentable: 'any',
  });
  return rest;
};

/** `api/v1/users/:userId` → `/api/v1/users/{userId}` */
export const openApiPathOf = (path: string): string => `/${path.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`;

function parametersOf(schema: z.ZodObject | undefined, where: 'path' | 'query'): Json[] {
  if (!schema) return [];
  const json = jsonSchemaOf(schema, 'input') as { properties?: Record<string, Json>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, property]) => {
    const { description, ...rest } = property as { description?: string };
    return {
      name,
      in: where,
      required: where === 'path' || (json.required ?? []).includes(name),
      ...(description ? { description } : {}),
      schema: rest,
    };
  });
}

const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: PROBLEM } },
});

function operationOf(route: DeclaredRoute): Json {
  const responses: Record<string, Json> = {};
  for (const [status, response] of Object.entries(route.responses)) {
    responses[status] = response.schema
      ? {
          description: response.description,
          content: { 'application/json': { schema: jsonSchemaOf(response.schema, 'output') } },
        }
      : { description: response.description };
  }
  if (route.params || route.query || route.body)
    responses['400'] = problem('Invalid input; `errors` names each field.');
  if (route.access !== 'public') responses['401'] = problem('No or invalid bearer token.');
  if (typeof route.access === 'object') {
    responses['403'] = problem(`The caller lacks the permission ${route.access.permission.join(':')}.`);
  }
  if (route.params) responses['404'] = problem('Not found in your organisation.');
  if (['POST', 'PUT', 'PATCH'].includes(route.method)) responses['409'] = problem('Conflicts with an existing item.');
  responses['503'] = problem('The registry is unavailable.');
  return {
    operationId: route.operationId,
    summary: route.summary,
    tags: [route.tag],
    ...(route.access === 'public' ? { security: [] } : {}),
    ...(typeof route.access === 'object' ? { 'x-permission': route.access.permission.join(':') } : {}),
    parameters: [...parametersOf(route.params, 'path'), ...parametersOf(route.query, 'query')],
    ...(route.body
      ? {
          requestBody: {
            required: true,
            content: { 'application/json': { schema: jsonSchemaOf(route.body, 'input') } },
          },
        }
      : {}),
    responses,
  };
}

/** The OpenAPI 3.1 document of the registry's REST API, from the very zod schemas its routes validate with. */
export function buildOpenApiDocument(routes: readonly DeclaredRoute[], version: string): Json {
  const paths: Record<string, Record<string, Json>> = {};
  for (const route of routes) {
    const path = openApiPathOf(route.path);
    paths[path] ??= {};
    paths[path][route.method.toLowerCase()] = operationOf(route);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Portcullis registry API',
      version,
      description:
        'Identities, access, catalog and installations of a Portcullis organisation. Served under /api/v1 by the ' +
        'gateway; errors are RFC 9457 problem details; lists are paged with opaque cursors.',
    },
    servers: [{ url: '/' }],
    security: [{ bearer: [] }],
    tags: [...new Set(routes.map((r) => r.tag))].sort().map((name) => ({ name })),
    paths,
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'API token (pcl_…) or session (pcs_…).' },
      },
      schemas: { Problem: problemSchema },
    },
  };
}
