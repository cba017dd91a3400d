import { Injectable } from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import type { PortcullisGateway } from '@portcullis/contracts';
import type { FastifyRequest } from 'fastify';
import { ListenStreams } from './listen-stream';
import { StatelessAggregateService } from './stateless-aggregate.service';
import { type Caller, StatelessMcpService } from './stateless-mcp.service';

/** Until real identities arrive every authenticated MCP caller is the admin of the default tenant. */
const FALLBACK_CALLER: Caller = { tenant: 'default', actor: 'admin' };

/**
 * The hook the MCP endpoints call first on every POST: a 2026-07-28 request is answered here (true), anything else
 * is left to the 2025-11-25 path (false), untouched.
 */
@Injectable()
export class StatelessEntry {
  constructor(
    private readonly stateless: StatelessMcpService,
    private readonly aggregateView: StatelessAggregateService,
    private readonly listen: ListenStreams,
  ) {}

  async server(
    request: FastifyRequest,
    res: ServerResponse,
    target: { gateway: string; server: string },
    body: unknown,
  ): Promise<boolean> {
    const modern = this.stateless.classify(request.raw, res, body);
    if (modern === undefined) return false;
    if (modern === 'answered') return true;
    const caller = callerOf(request);
    if (modern.method === 'subscriptions/listen') await this.listen.listen(res, [target], modern, caller);
    else await this.stateless.serveServer(res, target, modern, caller);
    return true;
  }

  async aggregate(
    request: FastifyRequest,
    res: ServerResponse,
    gateway: PortcullisGateway,
    body: unknown,
  ): Promise<boolean> {
    const modern = this.stateless.classify(request.raw, res, body);
    if (modern === undefined) return false;
    if (modern === 'answered') return true;
    const caller = callerOf(request);
    if (modern.method === 'subscriptions/listen')
      await this.listen.listen(res, this.aggregateView.routes(gateway), modern, caller);
    else await this.aggregateView.serve(res, gateway, modern, caller);
    return true;
  }
}

const callerOf = (request: FastifyRequest): Caller =>
  request.caller ? { tenant: request.caller.tenant, actor: request.caller.actor } : FALLBACK_CALLER;
