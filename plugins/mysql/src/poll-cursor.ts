import { InvalidInputError } from '@junction/connector-kit';

/**
 * Where a row poll left off: the (updated-at, key) pair of the last row delivered, as the
 * database printed them, and the table it belongs to.
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
 * const after = parseCursor(cursor, 'public.contacts');
 * ```
 */
export function parseCursor(cursor: string | null, table: string): RowCursor | null {
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
 * return { items, cursor: formatCursor(last) };
 * ```
 */
export function formatCursor(cursor: RowCursor): string {
  return JSON.stringify({ table: cursor.table, updatedAt: cursor.updatedAt, key: cursor.key });
}
