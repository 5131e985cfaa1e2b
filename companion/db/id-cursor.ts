// Keyset paging over uuid ids, shared by the configuration lists (datasources, fields, items):
// fetch `limit + 1` rows after the cursor, answer `limit` and the last id as the next cursor.
import { badRequest } from '../errors.js';
import { isUuid } from './ids.js';

/** The `where` part for rows after the cursor; a cursor this API never gave out is a 400. */
export function afterIdCursor(cursor: string | undefined): { id?: { gt: string } } {
  if (cursor === undefined) return {};
  if (!isUuid(cursor)) throw badRequest('The cursor is not one this list gave out', 'invalid_cursor');
  return { id: { gt: cursor } };
}

export function idCursorPage<T extends { id: string }>(rows: T[], limit: number): { page: T[]; nextCursor: string | null } {
  const page = rows.slice(0, limit);
  return { page, nextCursor: rows.length > limit ? page[page.length - 1]!.id : null };
}
