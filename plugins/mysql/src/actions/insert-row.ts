import { defineAction, field, usesLedger } from '@junction/connector-kit';
import type mysql from 'mysql2/promise';
import { rowField, sampleRow, tableFields, valuesField } from '../common-fields.js';
import { withConnection } from '../connect.js';
import { toCells } from '../row-values.js';
import { selectByKey } from '../select-by-key.js';
import { loadTable } from '../table-columns.js';

/**
 * Inserts one row and returns it as stored, read back by its key column (the given value, or
 * the auto-increment id).
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
  input: {
    ...tableFields,
    keyColumn: field.string({
      label: 'Key column',
      description: 'Used to read the stored row back',
      minLength: 1,
      default: 'id',
    }),
    values: valuesField,
  },
  output: { row: rowField },
  sample: { row: sampleRow },
  async run(ctx, input) {
    return withConnection(ctx, async (session) => {
      const { db } = session;
      const table = await loadTable(
        session,
        { schema: input.schema, table: input.table },
        '/table',
        { columns: [input.keyColumn, ...Object.keys(input.values)] },
      );
      const key = table.column(input.keyColumn, '/keyColumn');
      const cells = toCells(input.values, table, '/values');
      return session.once(async () => {
        const [result] = await db.execute<mysql.ResultSetHeader>(
          `insert into ${table.sql} (${cells.map((c) => c.column).join(', ')})
           values (${cells.map(() => '?').join(', ')})`,
          cells.map((c) => c.value),
        );
        const given = cells.find((c) => c.name === input.keyColumn)?.value;
        const keyValue = given === undefined || given === null ? result.insertId : String(given);
        const [stored] = await selectByKey(db, table, key, keyValue);
        return { row: stored ?? {} };
      });
    });
  },
});
