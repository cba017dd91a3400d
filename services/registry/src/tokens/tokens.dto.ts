import * as z from 'zod';
import { roleName } from '../identity/identity-dto';
import { paginationQuery } from '../http/pagination';

export const tokenIdParams = z.object({ tokenId: z.uuid() });

const scope = z.discriminatedUnion('type', [
  z.object({ type: z.literal('user'), userId: z.uuid() }).strict(),
  z.object({ type: z.literal('team'), teamId: z.uuid() }).strict(),
  z.object({ type: z.literal('organization') }).strict(),
]);

export const createTokenBody = z
  .object({
    name: z.string().trim().min(1).max(200),
    scope,
    /** Roles of a team or organisation token (default member); a user token acts with its user's roles. */
    roles: z.array(roleName).min(1).max(20).optional(),
    expiresAt: z.iso.datetime({ offset: true }).optional(),
  })
  .strict()
  .refine((body) => body.scope.type !== 'user' || body.roles === undefined, {
    path: ['roles'],
    message: 'a user token acts with its user’s roles; leave roles out',
  })
  .refine((body) => body.expiresAt === undefined || Date.parse(body.expiresAt) > Date.now(), {
    path: ['expiresAt'],
    message: 'must be in the future',
  });
export type CreateTokenBody = z.infer<typeof createTokenBody>;

export const tokenSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  prefix: z.string().describe('The start of the token, to recognise it; the token itself is shown only once.'),
  scope: z.object({ type: z.enum(['user', 'team', 'organization']), id: z.string() }),
  roles: z.array(z.string()),
  createdBy: z.string(),
  createdAt: z.iso.datetime(),
  expiresAt: z.iso.datetime().nullable(),
  revokedAt: z.iso.datetime().nullable(),
});
export type TokenView = z.infer<typeof tokenSchema>;
export const createdTokenSchema = tokenSchema.extend({
  token: z.string().describe('The secret bearer token. Shown in this answer only; store it now.'),
});

export const listTokensQuery = paginationQuery
  .extend({
    revoked: z.enum(['true', 'false']).optional().describe('Only revoked (true) or only active (false) tokens.'),
  })
  .strict();
