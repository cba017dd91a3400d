import {
  BadGatewayException,
  BadRequestException,
  GatewayTimeoutException,
  Injectable,
  ServiceUnavailableException,
} from '@nestjs/common';
import {
  auditChainVerify,
  auditEventsAggregate,
  auditEventsQuery,
  auditTopCallers,
  type AuditFilter,
  type AuditPosition,
  type RequestContract,
  type RequestOf,
  type ResponseOf,
} from '@portcullis/contracts';
import { BusClient, BusRequestError } from '@portcullis/messaging';
import {
  type AggregatesQuery,
  filterOf,
  type ListEventsQuery,
  type TopCallersQuery,
  type VerifyBody,
} from './audit-query.dto';
import { encodeEventCursor } from './event-cursor';

/** Aggregates over months of rollups and a full chain walk take longer than a page. */
const QUERY_TIMEOUT_MS = 15_000;
const VERIFY_TIMEOUT_MS = 120_000;

export interface EventsPage {
  events: ResponseOf<typeof auditEventsQuery>['events'];
  nextCursor: string | null;
}

/** The audit trail through the bus; the tenant travels in the caller scope the interceptor set up. */
@Injectable()
export class AuditService {
  constructor(private readonly bus: BusClient) {}

  async list(query: ListEventsQuery): Promise<EventsPage> {
    const page = await this.page(filterOf(query), query.limit, 'desc', query.cursor);
    return { events: page.events, nextCursor: page.next ? encodeEventCursor(page.next) : null };
  }

  page(
    filter: AuditFilter,
    limit: number,
    order: 'asc' | 'desc',
    after?: AuditPosition,
  ): Promise<ResponseOf<typeof auditEventsQuery>> {
    return this.ask(auditEventsQuery, { filter, limit, order, ...(after ? { after } : {}) });
  }

  aggregates(query: AggregatesQuery): Promise<ResponseOf<typeof auditEventsAggregate>> {
    const { bucket, groupBy, top } = query;
    return this.ask(auditEventsAggregate, { filter: filterOf(query), bucket, top, ...(groupBy ? { groupBy } : {}) });
  }

  topCallers(query: TopCallersQuery): Promise<ResponseOf<typeof auditTopCallers>> {
    return this.ask(auditTopCallers, { filter: filterOf(query), limit: query.limit });
  }

  verify(body: VerifyBody): Promise<ResponseOf<typeof auditChainVerify>> {
    return this.ask(auditChainVerify, body, VERIFY_TIMEOUT_MS);
  }

  private async ask<C extends RequestContract>(
    contract: C,
    payload: RequestOf<C>,
    timeoutMs = QUERY_TIMEOUT_MS,
  ): Promise<ResponseOf<C>> {
    try {
      return await this.bus.request(contract, payload, { timeoutMs });
    } catch (error) {
      throw httpErrorOf(error);
    }
  }
}

/** A failed bus request as the HTTP error an analyst can act on. */
export function httpErrorOf(error: unknown): Error {
  if (!(error instanceof BusRequestError)) return error as Error;
  switch (error.code) {
    case 'VALIDATION_FAILED':
      return new BadRequestException({
        message: `Invalid request: ${error.message}`,
        errors: (error.issues ?? []).map((i) => ({
          field: `query.${i.path.replace(/^filter\./, '')}`,
          message: i.message,
        })),
      });
    case 'TIMEOUT':
      return new GatewayTimeoutException('The audit service did not answer in time.');
    case 'NO_RESPONDERS':
    case 'UNAVAILABLE':
      return new ServiceUnavailableException('The audit service is not reachable.');
    case 'MALFORMED_MESSAGE':
    case 'NO_HANDLER':
    case 'HANDLER_FAILED':
      return new BadGatewayException(`audit: ${error.message}`);
  }
}
