import { defineAction, field, InvalidInputError } from '@junction/connector-kit';
import type mysql from 'mysql2/promise';
import {
  keyFields,
  optionalRowField,
  sampleRow,
  tableFields,
  valuesField,
} from '../common-fields.js';
import { withConnection } from '../connect.js';
import { toCells } from '../row-values.js';
import { selectByKey } from '../select-by-key.js';
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
      if (cells.length === 0) {
        const message = 'names no column to update';
        throw new InvalidInputError(`values ${message}`, {
          problems: [{ pointer: '/values', message }],
        });
      }
      await db.beginTransaction();
      try {
        const [result] = await db.execute<mysql.ResultSetHeader>(
          `update ${table.sql} set ${cells.map((c) => `${c.column} = ?`).join(', ')} where ${key} = ?`,
          [...cells.map((c) => c.value), input.key],
        );
        const changedKey = cells.find((c) => c.name === input.keyColumn)?.value;
        const stored =
          result.affectedRows === 0
            ? undefined
            : (
                await selectByKey(
                  db,
                  table,
                  key,
                  changedKey == null ? input.key : String(changedKey),
                )
              )[0];
        await db.commit();
        return stored === undefined ? { found: false } : { found: true, row: stored };
      } catch (thrown) {
        await db.rollback().catch(() => {});
        throw thrown;
      }
    });
  },
});
