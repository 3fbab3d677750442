import { defineAction, field } from '@junction/connector-kit';
import { keyFields, tableFields } from '../common-fields.js';
import { withClient } from '../connect.js';
import { loadTable } from '../table-columns.js';

/**
 * Deletes the row with the given key; deleting a missing row is not an error (`deleted: false`).
 *
 * @example
 * ```ts
 * await runAction(connector, 'delete-row', ctx, { table: 'contacts', keyColumn: 'id', key: '42' });
 * ```
 */
export const deleteRow = defineAction({
  key: 'delete-row',
  name: 'Delete row',
  description: 'Deletes the row with this key; a missing row answers deleted: false.',
  kind: 'delete',
  idempotent: true,
  input: { ...tableFields, ...keyFields },
  output: { deleted: field.boolean() },
  sample: { deleted: true },
  async run(ctx, input) {
    return withClient(ctx, async (session) => {
      const table = await loadTable(
        session,
        { schema: input.schema ?? 'public', table: input.table },
        '/table',
        [input.keyColumn],
      );
      const key = table.column(input.keyColumn, '/keyColumn');
      const result = await session.prepared(`delete from ${table.sql} where ${key} = $1`, [
        input.key,
      ]);
      return { deleted: (result.rowCount ?? 0) > 0 };
    });
  },
});
