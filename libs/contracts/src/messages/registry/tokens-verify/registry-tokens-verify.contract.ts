import * as z from 'zod';
import { defineRequest } from '../../../contract/define-contract';
import { registryCallerSchema } from '../caller';

/** `registry.v1.tokens.verify`: turns a bearer token (API token `pcl_…` or console session `pcs_…`) into a caller. */
export const registryTokensVerify = defineRequest({
  subject: 'registry.v1.tokens.verify',
  description: 'Checks a bearer token and answers its caller: actor, tenant, roles and resolved permissions.',
  request: z.object({ token: z.string().min(1).max(512) }).strict(),
  response: z.discriminatedUnion('valid', [
    z.object({ valid: z.literal(true), caller: registryCallerSchema, expiresAt: z.iso.datetime().nullable() }),
    z.object({ valid: z.literal(false), reason: z.enum(['unknown', 'expired', 'revoked']) }),
  ]),
});
