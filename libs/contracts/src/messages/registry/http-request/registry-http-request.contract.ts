import * as z from 'zod';
import { defineRequest } from '../../../contract/define-contract';
import { registryCallerSchema } from '../caller';

export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'] as const;

/** `registry.v1.http.request`: one REST request the gateway authenticated, answered by the registry's own routes. */
export const registryHttpRequest = defineRequest({
  subject: 'registry.v1.http.request',
  description: 'A REST request to /api/v1/… forwarded by the gateway with its authenticated caller (or none).',
  request: z.object({
    method: z.enum(HTTP_METHODS),
    /** Path and query string, e.g. `/api/v1/users?limit=10`. */
    url: z.string().startsWith('/api/v1/').max(8_192),
    headers: z.record(z.string(), z.string()),
    body: z.string().nullable(),
    caller: registryCallerSchema.nullable(),
  }),
  response: z.object({
    status: z.number().int().min(100).max(599),
    headers: z.record(z.string(), z.string()),
    body: z.string(),
  }),
});
