import type mysql from 'mysql2/promise';
import { rowJson } from './row-values.js';
import type { LiveTable } from './table-columns.js';

/**
 * The row whose quoted `keyColumn` equals `key`, as JSON text, or `undefined`.
 *
 * @example
 * ```ts
 * const json = await selectByKey(db, table, '`id`', '42');
 * ```
 */
export async function selectByKey(
  db: mysql.Connection,
  table: LiveTable,
  keyColumn: string,
  key: string | number,
  lock = false,
): Promise<string | undefined> {
  const [rows] = await db.execute<mysql.RowDataPacket[]>(
    `select * from ${table.sql} where ${keyColumn} = ? limit 1${lock ? ' for update' : ''}`,
    [key],
  );
  const row = rows[0];
  return row === undefined ? undefined : rowJson(row);
}
