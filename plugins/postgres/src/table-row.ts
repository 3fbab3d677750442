import { sqlTableRecordType } from '@junction/connector-kit';
import { withClient } from './connect.js';

/**
 * The `table_row` record type: the rows of one table (settings `table`, `keyColumn`,
 * `modifiedAtColumn`), listed in keyset pages, read by key and written in batches, on the
 * connection's pool.
 *
 * @example
 * ```ts
 * const page = await tableRow.list!(ctx, { limit: 100 });
 * ```
 */
export const tableRow = sqlTableRecordType('postgres', (ctx, work) =>
  withClient(ctx, ({ client }) =>
    work({
      query: async (text, values) => {
        const r = await client.query(text, values as unknown[]);
        return { rows: r.rows, changed: r.rowCount ?? 0 };
      },
    }),
  ),
);
