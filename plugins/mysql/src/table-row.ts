import { sqlTableRecordType } from '@junction/connector-kit';
import type mysql from 'mysql2/promise';
import { withConnection } from './connect.js';

/**
 * The `table_row` record type: the rows of one table (settings `table`, `keyColumn`,
 * `modifiedAtColumn`), listed in keyset pages, read by key and written in batches (multi-row
 * statements), on the connection's pool.
 *
 * @example
 * ```ts
 * const page = await tableRow.list!(ctx, { limit: 100 });
 * ```
 */
export const tableRow = sqlTableRecordType('mysql', (ctx, work) =>
  withConnection(ctx, ({ db }) =>
    work({
      query: async (text, values) => {
        const [r] = await db.query(text, values as unknown[]);
        if (Array.isArray(r)) return { rows: r as Record<string, unknown>[], changed: 0 };
        const header = r as mysql.ResultSetHeader;
        return { rows: [], changed: header.affectedRows, insertId: header.insertId };
      },
    }),
  ),
);
