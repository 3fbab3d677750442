import { InvalidInputError } from './errors.js';

/**
 * Where a poll of a table left off: the (updated-at, key) pair of the last row delivered, as the
 * database printed them, and the table it belongs to. Polling triggers of SQL connectors order
 * rows by that pair, so rows sharing one updated-at are neither skipped nor repeated.
 *
 * @example
 * ```ts
 * const cursor: RowCursor = { table: 'public.contacts', updatedAt: '2024-05-01T10:00:00.123456+00:00', key: '42' };
 * ```
 */
export interface RowCursor {
  readonly table: string;
  readonly updatedAt: string;
  readonly key: string;
}

/**
 * Reads a stored cursor; `null` (first poll) and a cursor of another table (the settings
 * changed) both start from the beginning of the table.
 *
 * @example
 * ```ts
 * const after = parseRowCursor(cursor, 'public.contacts');
 * ```
 */
export function parseRowCursor(cursor: string | null, table: string): RowCursor | null {
  if (cursor === null) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(cursor);
  } catch {
    parsed = undefined;
  }
  if (
    typeof parsed !== 'object' ||
    parsed === null ||
    !('table' in parsed && 'updatedAt' in parsed && 'key' in parsed) ||
    typeof parsed.table !== 'string' ||
    typeof parsed.updatedAt !== 'string' ||
    typeof parsed.key !== 'string'
  ) {
    const message = 'is not a cursor this trigger wrote';
    throw new InvalidInputError(`The stored cursor ${message}.`, {
      problems: [{ pointer: '/cursor', message }],
    });
  }
  if (parsed.table !== table) return null;
  return { table: parsed.table, updatedAt: parsed.updatedAt, key: parsed.key };
}

/**
 * Serialises a cursor for the platform to store.
 *
 * @example
 * ```ts
 * return { items, cursor: formatRowCursor(last) };
 * ```
 */
export function formatRowCursor(cursor: RowCursor): string {
  return JSON.stringify({ table: cursor.table, updatedAt: cursor.updatedAt, key: cursor.key });
}
