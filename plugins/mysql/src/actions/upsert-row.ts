import { defineAction, field, InvalidInputError } from '@junction/connector-kit';
import { keyFields, rowField, sampleRow, tableFields, valuesField } from '../common-fields.js';
import { withConnection } from '../connect.js';
import { toCells } from '../row-values.js';
import { selectByKey } from '../select-by-key.js';
import { loadTable } from '../table-columns.js';

function invalid(pointer: string, message: string): InvalidInputError {
  return new InvalidInputError(`MySQL: ${message}.`, { problems: [{ pointer, message }] });
}

function notUnique(keyColumn: string): InvalidInputError {
  return invalid(
    '/keyColumn',
    `column "${keyColumn}" has no unique index of its own, so rows cannot be upserted by it`,
  );
}

/**
 * Inserts the row with this key, or updates it when the key exists
 * (`insert ... on duplicate key update`); the key column needs its own unique index.
 *
 * @example
 * ```ts
 * await runAction(connector, 'upsert-row', ctx, { table: 'contacts', keyColumn: 'email', key: 'ann@example.com', values: { name: 'Ann' } });
 * ```
 */
export const upsertRow = defineAction({
  key: 'upsert-row',
  name: 'Upsert row',
  description:
    'Inserts the row with this key, or updates its columns when the key exists; returns the row and whether it was created.',
  kind: 'upsert',
  idempotent: true,
  upsertKey: 'key',
  input: { ...tableFields, ...keyFields, values: valuesField },
  output: { created: field.boolean(), row: rowField },
  sample: { created: false, row: sampleRow },
  async run(ctx, input) {
    return withConnection(ctx, async (session) => {
      const { db } = session;
      const table = await loadTable(
        session,
        { schema: input.schema, table: input.table },
        '/table',
        {
          columns: [input.keyColumn, ...Object.keys(input.values)],
          unique: input.keyColumn,
        },
      );
      const key = table.column(input.keyColumn, '/keyColumn');
      if (!table.uniqueColumns.has(input.keyColumn)) {
        throw notUnique(input.keyColumn);
      }
      const cells = toCells(input.values, table, '/values').filter((c) => {
        if (c.name !== input.keyColumn) return true;
        if (String(c.value) === input.key) return false;
        throw invalid(
          '/values',
          `sets the key column "${input.keyColumn}" to a value other than key`,
        );
      });
      const columns = [key, ...cells.map((c) => c.column)];
      const updates = cells.length === 0 ? [key] : cells.map((c) => c.column);
      await db.beginTransaction();
      try {
        // Lock the key (or its gap) first: whether the row existed is then certain.
        const existed = (await selectByKey(db, table, key, input.key, true)).length > 0;
        await db.execute(
          `insert into ${table.sql} (${columns.join(', ')}) values (${columns.map(() => '?').join(', ')})
           on duplicate key update ${updates.map((c) => `${c} = values(${c})`).join(', ')}`,
          [input.key, ...cells.map((c) => c.value)],
        );
        const [stored, second] = await selectByKey(db, table, key, input.key, false, 2);
        if (second !== undefined) {
          // Two rows share the key: its unique index is gone since the description was cached.
          await db.rollback();
          session.tables.clear();
          throw notUnique(input.keyColumn);
        }
        await db.commit();
        return { created: !existed, row: stored ?? {} };
      } catch (thrown) {
        await db.rollback().catch(() => {});
        throw thrown;
      }
    });
  },
});
