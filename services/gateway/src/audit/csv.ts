import type { AuditEvent } from '@portcullis/contracts';

/** RFC 4180: a field with a comma, quote, CR or LF is quoted, quotes inside doubled; anything else as is. */
export function csvField(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export const csvRow = (fields: (string | number | null | undefined)[]): string =>
  `${fields.map(csvField).join(',')}\r\n`;

/** The export's columns: the envelope, the fields the API filters on, and the payload as JSON. */
export const EVENT_CSV_HEADER = csvRow([
  'id',
  'type',
  'occurredAt',
  'tenant',
  'actorType',
  'actorId',
  'traceId',
  'gateway',
  'server',
  'tool',
  'outcome',
  'durationMs',
  'data',
]);

const text = (data: unknown, key: string): string | null => {
  const value = typeof data === 'object' && data !== null ? (data as Record<string, unknown>)[key] : undefined;
  return typeof value === 'string' ? value : null;
};

/** One event as a CSV row; the derived columns are computed as audit's generated columns are. */
export function eventCsvRow(event: AuditEvent): string {
  const data = event.data as Record<string, unknown> | null;
  const duration = typeof data === 'object' && data !== null ? data['durationMs'] : undefined;
  return csvRow([
    event.id,
    event.type,
    event.occurredAt,
    event.tenant,
    event.actor.type,
    event.actor.id,
    event.traceparent ? event.traceparent.slice(3, 35) : null,
    text(data, 'gateway'),
    text(data, 'server'),
    text(data, 'tool'),
    text(data, 'outcome'),
    typeof duration === 'number' ? duration : null,
    JSON.stringify(event.data),
  ]);
}
