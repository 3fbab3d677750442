import { sqlTableRecordType } from '@junction/connector-kit';
import { withClient } from './connect.js';
import { instantTypes } from './instant-types.js';

/**
 * The `table_row` record type: the rows of one table (settings `table`, `keyColumn`,
 * `modifiedAtColumn`), listed in keyset pages, read by key and written in batches, on the
 * connection's pool. Its `timestamptz` columns are read straight to ISO 8601 instants.
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
        const r = await client.query({ text, values: values as unknown[], types: instantTypes });
        return { rows: r.rows, changed: r.rowCount ?? 0 };
      },
    }),
  ),
);
