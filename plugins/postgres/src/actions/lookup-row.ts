import { defineAction, field } from '@junction/connector-kit';
import { keyFields, optionalRowField, sampleRow, tableFields } from '../common-fields.js';
import { withClient } from '../connect.js';
import { readRow } from '../read-row.js';

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
      const row = await readRow(session, input);
      return row === undefined ? { found: false } : { found: true, row };
    });
  },
});
