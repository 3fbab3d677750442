import { defineAction, field, InvalidInputError, type JsonObject } from '@junction/connector-kit';
import { keyFields, rowField, sampleRow, tableFields, valuesField } from '../common-fields.js';
import { withClient } from '../connect.js';
import { readRow } from '../read-row.js';
import { toCells } from '../row-values.js';
import { loadTable } from '../table-columns.js';

/**
 * Inserts the row with this key, or updates it when the key exists
 * (`insert ... on conflict (key) do update`); the key column needs a unique constraint.
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
    return withClient(ctx, async (session) => {
      const table = await loadTable(
        session,
        { schema: input.schema ?? 'public', table: input.table },
        '/table',
        [input.keyColumn, ...Object.keys(input.values)],
      );
      const key = table.column(input.keyColumn, '/keyColumn');
      const cells = toCells(input.values, table, '/values').filter((c) => {
        if (c.column !== key) return true;
        if (String(c.value) === input.key) return false;
        const message = `sets the key column "${input.keyColumn}" to a value other than key`;
        throw new InvalidInputError(`values ${message}`, {
          problems: [{ pointer: '/values', message }],
        });
      });
      const columns = [key, ...cells.map((c) => c.column)];
      const updates = cells.length === 0 ? [key] : cells.map((c) => c.column);
      const result = await session
        .prepared<{ row: JsonObject; created: boolean }>(
          `insert into ${table.sql} as r (${columns.join(', ')})
           values (${columns.map((_, i) => `$${i + 1}`).join(', ')})
           on conflict (${key}) do update set ${updates.map((c) => `${c} = excluded.${c}`).join(', ')}
           returning row_to_json(r) as row, (r.xmax = 0) as created`,
          [input.key, ...cells.map((c) => c.value)],
        )
        .catch((thrown: unknown) => {
          if (
            typeof thrown === 'object' &&
            thrown !== null &&
            'code' in thrown &&
            thrown.code === '42P10'
          ) {
            const message = `column "${input.keyColumn}" has no unique constraint, so rows cannot be upserted by it`;
            throw new InvalidInputError(`PostgreSQL: ${message}.`, {
              problems: [{ pointer: '/keyColumn', message }],
            });
          }
          throw thrown;
        });
      const row = result.rows[0];
      return { created: row?.created === true, row: row?.row ?? {} };
    });
  },
  /** The row as it is now, in the shape of the input (its `values` columns only), for review diffs. */
  async current(ctx, input) {
    return withClient(ctx, async (session) => {
      const columns = Object.keys(input.values);
      const row = await readRow(session, input, columns);
      if (row === undefined) return null;
      return { ...input, values: Object.fromEntries(columns.map((c) => [c, row[c] ?? null])) };
    });
  },
});
