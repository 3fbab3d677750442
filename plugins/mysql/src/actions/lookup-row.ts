import { defineAction, field } from '@junction/connector-kit';
import { keyFields, optionalRowField, sampleRow, tableFields } from '../common-fields.js';
import { withConnection } from '../connect.js';
import { selectByKey } from '../select-by-key.js';
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
    return withConnection(ctx, async (session) => {
      const { db } = session;
      const table = await loadTable(
        session,
        { schema: input.schema, table: input.table },
        '/table',
        { columns: [input.keyColumn] },
      );
      const key = table.column(input.keyColumn, '/keyColumn');
      const [stored] = await selectByKey(db, table, key, input.key);
      return stored === undefined ? { found: false } : { found: true, row: stored };
    });
  },
});
