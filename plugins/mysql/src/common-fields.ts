import { field } from '@junction/connector-kit';

/**
 * Input fields naming a table; checked against the live database before any statement runs.
 *
 * @example
 * ```ts
 * input: { ...tableFields, values: valuesField }
 * ```
 */
export const tableFields = {
  schema: field.string({
    required: false,
    label: 'Database',
    description: "The table's database (schema); default: the connection's database",
    minLength: 1,
  }),
  table: field.string({ label: 'Table', minLength: 1, examples: ['contacts'] }),
} as const;

/**
 * Input fields identifying one row: the key column and the key value (as text; MySQL
 * converts it to the column's type, so `"42"` finds an integer key 42).
 *
 * @example
 * ```ts
 * input: { ...tableFields, ...keyFields }
 * ```
 */
export const keyFields = {
  keyColumn: field.string({ label: 'Key column', minLength: 1, default: 'id' }),
  key: field.string({ label: 'Key', description: 'The key value, as text', examples: ['42'] }),
} as const;

/**
 * The values to write: a JSON object of column names to values. Objects and arrays are sent as
 * JSON text (for JSON columns).
 *
 * @example
 * ```ts
 * { values: { email: 'ann@example.com', name: 'Ann', tags: ['vip'] } }
 * ```
 */
export const valuesField = field.json({
  type: 'object',
  label: 'Values',
  description: 'Column names to values, e.g. {"email":"ann@example.com"}',
  examples: [{ email: 'ann@example.com', name: 'Ann Lee' }],
});

/**
 * The row a statement returned, as a JSON object (dates as the server prints them, big numbers
 * and decimals as strings).
 *
 * @example
 * ```ts
 * output: { row: rowField }
 * ```
 */
export const rowField = field.json({
  type: 'object',
  label: 'Row',
  description: 'The row, column names to values, e.g. {"id":42,"email":"ann@example.com"}',
});

/**
 * {@link rowField}, absent when no row was found.
 *
 * @example
 * ```ts
 * output: { found: field.boolean(), row: optionalRowField }
 * ```
 */
export const optionalRowField = field.json({
  type: 'object',
  required: false,
  label: 'Row',
  description: 'The row, column names to values; absent when no row has the key',
});

/**
 * A realistic row for samples.
 *
 * @example
 * ```ts
 * sample: { row: sampleRow }
 * ```
 */
export const sampleRow = {
  id: 42,
  email: 'ann@example.com',
  name: 'Ann Lee',
  updated_at: '2024-05-01 10:00:00.123456',
};
