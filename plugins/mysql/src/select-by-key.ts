import type { JsonObject } from '@junction/connector-kit';
import type mysql from 'mysql2/promise';
import { rowObject } from './row-values.js';
import type { LiveTable } from './table-columns.js';

/**
 * The rows (at most `limit`, default 1) whose quoted `keyColumn` equals `key`, as JSON objects;
 * `lock` reads them `for update`.
 *
 * @example
 * ```ts
 * const [row] = await selectByKey(db, table, '`id`', '42');
 * ```
 */
export async function selectByKey(
  db: mysql.PoolConnection,
  table: LiveTable,
  keyColumn: string,
  key: string | number,
  lock = false,
  limit = 1,
): Promise<JsonObject[]> {
  const [rows] = await db.execute<mysql.RowDataPacket[]>(
    `select * from ${table.sql} where ${keyColumn} = ? limit ${Math.trunc(limit)}${lock ? ' for update' : ''}`,
    [key],
  );
  return rows.map(rowObject);
}
