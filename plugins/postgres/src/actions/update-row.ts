import { defineAction, field, InvalidInputError, type JsonObject } from '@junction/connector-kit';
import {
  keyFields,
  optionalRowField,
  sampleRow,
  tableFields,
  valuesField,
} from '../common-fields.js';
import { withClient } from '../connect.js';
import { toCells } from '../row-values.js';
import { loadTable } from '../table-columns.js';

/**
 * Updates the row with the given key; `found: false` when no row has that key.
 *
 * @example
 * ```ts
 * await runAction(connector, 'update-row', ctx, { table: 'contacts', keyColumn: 'id', key: '42', values: { name: 'Ann' } });
 * ```
 */
export const updateRow = defineAction({
  key: 'update-row',
  name: 'Update row',
  description: 'Sets the given columns of the row with this key and returns the updated row.',
  kind: 'update',
  idempotent: true,
  input: { ...tableFields, ...keyFields, values: valuesField },
  output: { found: field.boolean(), row: optionalRowField },
  sample: { found: true, row: sampleRow },
  async run(ctx, input) {
    return withClient(ctx, async (session) => {
      const table = await loadTable(
        session,
        { schema: input.schema ?? 'public', table: input.table },
        '/table',
        [input.keyColumn, ...Object.keys(input.values)],
      );
      const key = table.column(input.keyColumn, '/keyColumn');
      const cells = toCells(input.values, table, '/values');
      if (cells.length === 0) {
        const message = 'names no column to update';
        throw new InvalidInputError(`values ${message}`, {
          problems: [{ pointer: '/values', message }],
        });
      }
      const set = cells.map((c, i) => `${c.column} = $${i + 1}`).join(', ');
      const result = await session.prepared<{ row: JsonObject }>(
        `update ${table.sql} as r set ${set} where r.${key} = $${cells.length + 1}
         returning row_to_json(r) as row`,
        [...cells.map((c) => c.value), input.key],
      );
      const row = result.rows[0];
      return row === undefined ? { found: false } : { found: true, row: row.row };
    });
  },
});
