import { defineAction, field, type JsonObject } from '@junction/connector-kit';
import { keyFields, optionalRowField, sampleRow, tableFields } from '../common-fields.js';
import { withClient } from '../connect.js';
import { loadTable } from '../table-columns.js';

/**
 * Finds the row with the given key.
 *
 * @example
 * ```ts
 * const { found, row } = await runAction(connector, 'lookup-row', ctx, { table: 'contacts', keyColumn: 'id', key: '42' });
 * ```
 */
export const lookupRow = defineAction({
  key: 'lookup-row',
  name: 'Look up row',
  description: 'Finds the row with this key; found: false when there is none.',
  kind: 'search',
  idempotent: true,
  input: { ...tableFields, ...keyFields },
  output: { found: field.boolean(), row: optionalRowField },
  sample: { found: true, row: sampleRow },
  async run(ctx, input) {
    return withClient(ctx, async (session) => {
      const table = await loadTable(
        session,
        { schema: input.schema ?? 'public', table: input.table },
        '/table',
        [input.keyColumn],
      );
      const key = table.column(input.keyColumn, '/keyColumn');
      const result = await session.prepared<{ row: JsonObject }>(
        `select row_to_json(r) as row from ${table.sql} as r where r.${key} = $1 limit 1`,
        [input.key],
      );
      const row = result.rows[0];
      return row === undefined ? { found: false } : { found: true, row: row.row };
    });
  },
});
