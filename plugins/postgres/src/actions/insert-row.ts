import { defineAction } from '@junction/connector-kit';
import { rowJsonField, sampleRowJson, tableFields, valuesJsonField } from '../common-fields.js';
import { withClient } from '../connect.js';
import { parseValues } from '../row-values.js';
import { loadTable } from '../table-columns.js';

/**
 * Inserts one row and returns it as stored (defaults and generated columns filled in).
 *
 * @example
 * ```ts
 * await runAction(connector, 'insert-row', ctx, { table: 'contacts', valuesJson: '{"email":"ann@example.com"}' });
 * ```
 */
export const insertRow = defineAction({
  key: 'insert-row',
  name: 'Insert row',
  description: 'Inserts one row into a table and returns the stored row.',
  kind: 'create',
  idempotent: false,
  input: { ...tableFields, valuesJson: valuesJsonField },
  output: { rowJson: rowJsonField },
  sample: { rowJson: sampleRowJson },
  async run(ctx, input) {
    return withClient(ctx, async (client) => {
      const table = await loadTable(
        client,
        { schema: input.schema ?? 'public', table: input.table },
        '/table',
      );
      const cells = parseValues(input.valuesJson, table, '/valuesJson');
      const sql =
        cells.length === 0
          ? `insert into ${table.sql} as r default values`
          : `insert into ${table.sql} as r (${cells.map((c) => c.column).join(', ')})
             values (${cells.map((_, i) => `$${i + 1}`).join(', ')})`;
      const result = await client.query<{ row_json: string }>(
        `${sql} returning row_to_json(r)::text as row_json`,
        cells.map((c) => c.value),
      );
      return { rowJson: result.rows[0]?.row_json ?? '{}' };
    });
  },
});
