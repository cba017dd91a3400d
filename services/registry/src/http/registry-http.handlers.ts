import { Controller } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { Payload } from '@nestjs/microservices';
import { registryHttpRequest, type RequestOf, type ResponseOf } from '@portcullis/contracts';
import { BusHandler } from '@portcullis/messaging';
import type { FastifyInstance } from 'fastify';
import { FORWARDED_HEADER, ForwardedRequests } from './forwarded-requests';

/** Response headers that describe one hop, not the resource; Fastify/the gateway set their own. */
const HOP_HEADERS = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'date']);

/**
 * The registry's REST API over the bus: the gateway forwards an authenticated request, and it runs through this
 * process's own Nest/Fastify app (routes, guards, pipes, problem details) with `inject()`, no socket involved.
 */
@Controller()
export class RegistryHttpHandlers {
  constructor(
    private readonly adapter: HttpAdapterHost,
    private readonly forwarded: ForwardedRequests,
  ) {}

  @BusHandler(registryHttpRequest)
  async request(
    @Payload() request: RequestOf<typeof registryHttpRequest>,
  ): Promise<ResponseOf<typeof registryHttpRequest>> {
    const fastify = this.adapter.httpAdapter.getInstance<FastifyInstance>();
    const forwarded = this.forwarded.open({ caller: request.caller });
    try {
      const headers = Object.fromEntries(
        Object.entries(request.headers).filter(([name]) => name.toLowerCase() !== FORWARDED_HEADER),
      );
      const response = await fastify.inject({
        method: request.method,
        url: request.url,
        headers: { ...headers, [FORWARDED_HEADER]: forwarded.key },
        ...(request.body === null ? {} : { payload: request.body }),
      });
      return { status: response.statusCode, headers: headersOf(response.headers), body: response.body };
    } finally {
      forwarded.close();
    }
  }
}

function headersOf(headers: Record<string, string | string[] | number | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_HEADERS.has(name.toLowerCase())) continue;
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  return out;
}
