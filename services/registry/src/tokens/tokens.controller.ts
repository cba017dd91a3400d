import { Controller } from '@nestjs/common';
import type * as z from 'zod';
import { ApiRoute } from '../http/api-route';
import { pageSchema } from '../http/pagination';
import { CurrentCaller, type RegistryCaller } from '../http/require-permission';
import { ValidBody, ValidParams, ValidQuery } from '../http/validated';
import {
  type CreateTokenBody,
  createdTokenSchema,
  createTokenBody,
  listTokensQuery,
  tokenIdParams,
  tokenSchema,
} from './tokens.dto';
import { TokensService } from './tokens.service';

const TAG = 'tokens';
type TokenId = z.infer<typeof tokenIdParams>;

@Controller()
export class TokensController {
  constructor(private readonly tokens: TokensService) {}

  @ApiRoute({
    method: 'POST',
    path: 'api/v1/tokens',
    summary: 'Create an API token for a user, a team or the organisation; the answer is the only time it is shown',
    tag: TAG,
    access: { permission: ['tokens', 'write'] },
    body: createTokenBody,
    responses: { 201: { description: 'Created, with the secret token', schema: createdTokenSchema } },
  })
  create(@CurrentCaller() caller: RegistryCaller, @ValidBody(createTokenBody) body: CreateTokenBody) {
    return this.tokens.create(caller, body);
  }

  @ApiRoute({
    method: 'GET',
    path: 'api/v1/tokens',
    summary: 'List the API tokens of your organisation (never their secrets)',
    tag: TAG,
    access: { permission: ['tokens', 'read'] },
    query: listTokensQuery,
    responses: { 200: { description: 'A page of tokens', schema: pageSchema(tokenSchema) } },
  })
  list(@CurrentCaller() caller: RegistryCaller, @ValidQuery(listTokensQuery) query: z.infer<typeof listTokensQuery>) {
    return this.tokens.list(caller, query);
  }

  @ApiRoute({
    method: 'GET',
    path: 'api/v1/tokens/:tokenId',
    summary: 'One API token (without its secret)',
    tag: TAG,
    access: { permission: ['tokens', 'read'] },
    params: tokenIdParams,
    responses: { 200: { description: 'The token', schema: tokenSchema } },
  })
  find(@CurrentCaller() caller: RegistryCaller, @ValidParams(tokenIdParams) params: TokenId) {
    return this.tokens.find(caller, params.tokenId);
  }

  @ApiRoute({
    method: 'DELETE',
    path: 'api/v1/tokens/:tokenId',
    summary: 'Revoke an API token; gateways stop accepting it within seconds',
    tag: TAG,
    access: { permission: ['tokens', 'write'] },
    params: tokenIdParams,
    responses: { 204: { description: 'Revoked' } },
  })
  revoke(@CurrentCaller() caller: RegistryCaller, @ValidParams(tokenIdParams) params: TokenId) {
    return this.tokens.revoke(caller, params.tokenId);
  }
}
