import { Injectable, ServiceUnavailableException } from '@nestjs/common';
import { HTTP_METHODS, registryHttpRequest, type ResponseOf } from '@portcullis/contracts';
import { BusClient, BusRequestError } from '@portcullis/messaging';
import type { FastifyRequest } from 'fastify';
import type { AuthenticatedCaller } from '../auth/authenticated-caller';

/** A registry request (even an OpenAPI document or a big list) answers well within this; then the client gets 503. */
export const REGISTRY_TIMEOUT_MS = 10_000;

/** Request headers the registry's routes may look at; everything else (cookies, authorization) stays here. */
const FORWARDED_HEADERS = ['content-type', 'accept', 'accept-language', 'if-match', 'if-none-match', 'prefer'];

type Method = (typeof HTTP_METHODS)[number];

/** Forwards a REST request to the registry over the bus with the caller this gateway authenticated. */
@Injectable()
export class RegistryApiService {
  constructor(private readonly bus: BusClient) {}

  async forward(
    request: FastifyRequest,
    caller: AuthenticatedCaller | undefined,
  ): Promise<ResponseOf<typeof registryHttpRequest>> {
    const headers: Record<string, string> = {};
    for (const name of FORWARDED_HEADERS) {
      const value = request.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    try {
      return await this.bus.request(
        registryHttpRequest,
        {
          method: request.method as Method,
          url: request.url,
          headers,
          body: bodyOf(request.body),
          caller: caller
            ? {
                actor: caller.actor,
                tenant: caller.tenant,
                roles: caller.roles,
                permissions: caller.permissions,
                credential: caller.credential,
              }
            : null,
        },
        { timeoutMs: REGISTRY_TIMEOUT_MS },
      );
    } catch (error) {
      if (error instanceof BusRequestError && ['NO_RESPONDERS', 'TIMEOUT', 'UNAVAILABLE'].includes(error.code)) {
        throw new ServiceUnavailableException(
          `The registry is unavailable (${error.code.toLowerCase().replace('_', ' ')}); try again shortly.`,
        );
      }
      throw error;
    }
  }
}

/** The gateway parsed a JSON body already; the registry gets it back as text (empty body: none). */
function bodyOf(body: unknown): string | null {
  if (body === undefined || body === null) return null;
  return typeof body === 'string' ? body : JSON.stringify(body);
}
