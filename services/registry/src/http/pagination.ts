import { BadRequestException } from '@nestjs/common';
import * as z from 'zod';

/** `?limit=&cursor=` of every list route. */
export const paginationQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50).describe('Items per page (1–200).'),
  cursor: z.string().max(200).optional().describe('Opaque cursor from the previous page’s `nextCursor`.'),
});
export type PaginationQuery = z.infer<typeof paginationQuery>;

/** One page of a list and where the next one starts (`null` on the last page). */
export const pageSchema = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable() });
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

const cursorSchema = z.object({ after: z.string().min(1).max(150) });
const uuidKey = z.uuid();

/** The cursor is opaque to clients: base64url JSON holding the sort key of the last item of the page. */
export const encodeCursor = (after: string): string => Buffer.from(JSON.stringify({ after })).toString('base64url');

/** The sort key a cursor holds; by default a UUID (list routes are ordered by their time-ordered UUID v7 ids). */
export function decodeCursor(cursor: string | undefined, key: z.ZodType<string> = uuidKey): string | undefined {
  if (cursor === undefined) return undefined;
  try {
    return key.parse(cursorSchema.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))).after);
  } catch {
    throw new BadRequestException({
      message: 'Invalid query: query.cursor is not a cursor this API gave out',
      errors: [{ field: 'query.cursor', message: 'is not a cursor this API gave out' }],
    });
  }
}

/**
 * Builds a page from rows fetched with `LIMIT limit + 1` in key order: the extra row only says another page exists.
 */
export function pageOf<Row, Item>(
  rows: Row[],
  limit: number,
  keyOf: (row: Row) => string,
  toItem: (row: Row) => Item,
): Page<Item> {
  const more = rows.length > limit;
  const shown = more ? rows.slice(0, limit) : rows;
  return { items: shown.map(toItem), nextCursor: more ? encodeCursor(keyOf(shown[shown.length - 1])) : null };
}
