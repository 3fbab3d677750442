import type { JsonObject } from '@junction/connector-kit';
import type mysql from 'mysql2/promise';
import { rowObject } from './row-values.js';
import type { LiveTable } from './table-columns.js';

/**
 * The row whose quoted `keyColumn` equals `key`, as a JSON object, or `undefined`.
 *
 * @example
 * ```ts
 * const row = await selectByKey(db, table, '`id`', '42');
 * ```
 */
export async function selectByKey(
  db: mysql.Connection,
  table: LiveTable,
  keyColumn: string,
  key: string | number,
  lock = false,
): Promise<JsonObject | undefined> {
  const [rows] = await db.execute<mysql.RowDataPacket[]>(
    `select * from ${table.sql} where ${keyColumn} = ? limit 1${lock ? ' for update' : ''}`,
    [key],
  );
  const row = rows[0];
  return row === undefined ? undefined : rowObject(row);
}
