import { Injectable } from '@nestjs/common';
import type { AuditEvent, AuditPosition, RequestOf, ResponseOf, auditEventsQuery } from '@portcullis/contracts';
import { Database } from '@portcullis/persistence';
import { auditFilterSql } from './audit-filter-sql';
import { readTransaction } from './read-transaction';
import { SqlParams } from './sql-params';

/** A page stops growing past this many bytes of JSON, so the reply stays well under NATS' 1 MB message limit. */
export const PAGE_BYTE_BUDGET = 512 * 1024;

interface EventRow {
  id: string;
  type: string;
  occurred_at_us: string;
  tenant: string;
  actor_type: string;
  actor_id: string;
  traceparent: string | null;
  data: unknown;
}

/**
 * `occurred_at` in UTC with microseconds: exact for the keyset and independent of the session's TimeZone. (Its
 * alias differs from the column's, or ORDER BY would sort by the text and no index could serve the order.)
 */
const OCCURRED_AT_TEXT = `to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/** Builds the page query: filters, the keyset condition, the order, one row more than asked (to know if more). */
export function eventsPageSql(
  tenant: string,
  request: RequestOf<typeof auditEventsQuery>,
): { sql: string; params: unknown[] } {
  const params = new SqlParams();
  const conditions = auditFilterSql(params, tenant, request.filter, 'events');
  const desc = request.order === 'desc';
  if (request.after) {
    conditions.push(
      `(occurred_at, id) ${desc ? '<' : '>'} (${params.add(request.after.occurredAt)}::timestamptz, ${params.add(request.after.id)}::uuid)`,
    );
  }
  const direction = desc ? 'DESC' : 'ASC';
  const sql = `SELECT id, type, ${OCCURRED_AT_TEXT} AS occurred_at_us, tenant, actor_type, actor_id, traceparent, data
    FROM events WHERE ${conditions.join(' AND ')}
    ORDER BY occurred_at ${direction}, id ${direction} LIMIT ${params.add(request.limit + 1)}`;
  return { sql, params: params.values };
}

/** Envelope time as producers write it (milliseconds) unless the stored value has finer precision. */
const envelopeTime = (micros: string): string => micros.replace(/(\.\d{3})000Z$/, '$1Z');

/** Pages of one tenant's events, newest (or oldest) first, keyset-paginated on (occurred_at, id). */
@Injectable()
export class AuditEventsQuery {
  constructor(private readonly db: Database) {}

  async page(
    tenant: string,
    request: RequestOf<typeof auditEventsQuery>,
  ): Promise<ResponseOf<typeof auditEventsQuery>> {
    const { sql, params } = eventsPageSql(tenant, request);
    const rows = await readTransaction(this.db, (query) => query<EventRow>(sql, params));
    const events: AuditEvent[] = [];
    let bytes = 0;
    let last: AuditPosition | null = null;
    for (const row of rows.slice(0, request.limit)) {
      const event: AuditEvent = {
        id: row.id,
        type: row.type,
        occurredAt: envelopeTime(row.occurred_at_us),
        tenant: row.tenant,
        actor: { type: row.actor_type, id: row.actor_id },
        traceparent: row.traceparent,
        data: row.data,
      };
      bytes += JSON.stringify(event).length;
      if (events.length > 0 && bytes > PAGE_BYTE_BUDGET) break;
      events.push(event);
      last = { occurredAt: row.occurred_at_us, id: row.id };
    }
    const more = rows.length > events.length;
    return { events, next: more ? last : null };
  }
}
