import { Inject, Injectable } from '@nestjs/common';
import type { AuditPosition } from '@portcullis/contracts';
import { LOGGER } from '@portcullis/service-kit';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { type ExportEventsQuery, filterOf } from './audit-query.dto';
import { AuditService } from './audit.service';
import { EVENT_CSV_HEADER, eventCsvRow } from './csv';
import { drained } from './write-stream';

/** Events per bus round trip; audit also cuts a page short by size, so memory stays flat either way. */
export const EXPORT_PAGE = 500;

const stamp = (iso: string | undefined): string => (iso ? new Date(iso).toISOString().replace(/[-:.]/g, '') : 'start');

/**
 * Streams a range of events, oldest first, as NDJSON (one envelope per line, as on the stream) or CSV. Each page
 * is asked for only after the previous one was written and the client took it, so a slow client slows the
 * export down instead of filling the gateway's memory. A failure after the first byte cannot become a problem
 * document any more: the connection is cut, so the client sees an incomplete transfer, never a silently short file.
 */
@Injectable()
export class AuditExport {
  constructor(
    private readonly audit: AuditService,
    @Inject(LOGGER) private readonly log: Logger,
  ) {}

  async stream(query: ExportEventsQuery, request: FastifyRequest, reply: FastifyReply): Promise<void> {
    // A fixed end: events still arriving for the range do not make the export chase its own tail.
    const filter = { ...filterOf(query), to: query.to ?? new Date().toISOString() };
    let page = await this.audit.page(filter, EXPORT_PAGE, 'asc'); // errors here are still problem details
    const csv = query.format === 'csv';
    const raw = reply.hijack().raw;
    raw.writeHead(200, {
      'Content-Type': csv ? 'text/csv; charset=utf-8; header=present' : 'application/x-ndjson; charset=utf-8',
      'Content-Disposition': `attachment; filename="audit-events-${stamp(filter.from)}-${stamp(filter.to)}.${csv ? 'csv' : 'ndjson'}"`,
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
    });
    if (csv) raw.write(EVENT_CSV_HEADER);
    let exported = 0;
    for (;;) {
      if (page.events.length > 0) {
        raw.write(page.events.map((e) => (csv ? eventCsvRow(e) : `${JSON.stringify(e)}\n`)).join(''));
        exported += page.events.length;
      }
      await drained(raw);
      if (raw.destroyed) {
        this.log.info({ exported, url: request.url }, 'audit export abandoned by the client');
        return;
      }
      if (!page.next) break;
      const after: AuditPosition = page.next;
      try {
        page = await this.audit.page(filter, EXPORT_PAGE, 'asc', after);
      } catch (error) {
        this.log.error(
          { err: error, exported, url: request.url },
          'audit export failed midway; cutting the connection',
        );
        raw.destroy(error as Error);
        return;
      }
    }
    raw.end();
  }
}
