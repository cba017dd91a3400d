import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { RegistryCallerMessage } from '@portcullis/contracts';
import type { FastifyRequest } from 'fastify';

/** Header naming a request the bus handler injected; its value is a random key into this process's memory. */
export const FORWARDED_HEADER = 'x-portcullis-forwarded';

export interface ForwardedRequest {
  caller: RegistryCallerMessage | null;
}

/**
 * Requests that came over the bus from the gateway, while they are being served. The caller never travels in an
 * HTTP header: a client of the registry's own port cannot name a key that exists only in this process, so it
 * cannot pose as a forwarded request, let alone choose its caller.
 */
@Injectable()
export class ForwardedRequests {
  private readonly pending = new Map<string, ForwardedRequest>();

  open(forwarded: ForwardedRequest): { key: string; close(): void } {
    const key = randomBytes(24).toString('base64url');
    this.pending.set(key, forwarded);
    return { key, close: () => this.pending.delete(key) };
  }

  of(request: FastifyRequest): ForwardedRequest | undefined {
    const key = request.headers[FORWARDED_HEADER];
    return typeof key === 'string' ? this.pending.get(key) : undefined;
  }
}
