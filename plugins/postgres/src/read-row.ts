import type { JsonObject } from '@junction/connector-kit';
import type { Session } from './connect.js';
import { loadTable } from './table-columns.js';

/**
 * The row of `table` whose `keyColumn` is `key`, as JSON, or undefined; `columns` are checked
 * to exist too (their names come from the input).
 */
export async function readRow(
  session: Session,
  input: { schema?: string | undefined; table: string; keyColumn: string; key: string },
  columns: readonly string[] = [],
): Promise<JsonObject | undefined> {
  const table = await loadTable(
    session,
    { schema: input.schema ?? 'public', table: input.table },
    '/table',
    [input.keyColumn, ...columns],
  );
  const key = table.column(input.keyColumn, '/keyColumn');
  const result = await session.prepared<{ row: JsonObject }>(
    `select row_to_json(r) as row from ${table.sql} as r where r.${key} = $1 limit 1`,
    [input.key],
  );
  return result.rows[0]?.row;
}
