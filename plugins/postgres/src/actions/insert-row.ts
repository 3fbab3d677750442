import { defineAction, type JsonObject, usesLedger } from '@junction/connector-kit';
import { rowField, sampleRow, tableFields, valuesField } from '../common-fields.js';
import { withClient } from '../connect.js';
import { toCells } from '../row-values.js';
import { loadTable } from '../table-columns.js';

/**
 * Inserts one row and returns it as stored (defaults and generated columns filled in). With the
 * connection's idempotency ledger on, the insert takes effect once per idempotency key (a step
 * sent again returns the row first inserted), and the action is idempotent for that connection.
 *
 * @example
 * ```ts
 * await runAction(connector, 'insert-row', ctx, { table: 'contacts', values: { email: 'ann@example.com' } });
 * ```
 */
export const insertRow = defineAction({
  key: 'insert-row',
  name: 'Insert row',
  description: 'Inserts one row into a table and returns the stored row.',
  kind: 'create',
  idempotent: false,
  idempotentWhen: ({ credentials }) => usesLedger(credentials) !== undefined,
  input: { ...tableFields, values: valuesField },
  output: { row: rowField },
  sample: { row: sampleRow },
  async run(ctx, input) {
    return withClient(ctx, async (session) => {
      const table = await loadTable(
        session,
        { schema: input.schema ?? 'public', table: input.table },
        '/table',
        Object.keys(input.values),
      );
      const cells = toCells(input.values, table, '/values');
      const sql =
        cells.length === 0
          ? `insert into ${table.sql} as r default values`
          : `insert into ${table.sql} as r (${cells.map((c) => c.column).join(', ')})
             values (${cells.map((_, i) => `$${i + 1}`).join(', ')})`;
      return session.once(async () => {
        const result = await session.prepared<{ row: JsonObject }>(
          `${sql} returning row_to_json(r) as row`,
          cells.map((c) => c.value),
        );
        return { row: result.rows[0]?.row ?? {} };
      });
    });
  },
});
