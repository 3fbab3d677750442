import { field } from '@junction/connector-kit';

/**
 * Input fields naming a table; checked against the live database before any statement runs.
 *
 * @example
 * ```ts
 * input: { ...tableFields, valuesJson: valuesJsonField }
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
 * The values to write: a JSON object of column names to values, as text.
 *
 * @example
 * ```ts
 * { valuesJson: '{"email":"ann@example.com","name":"Ann"}' }
 * ```
 */
export const valuesJsonField = field.string({
  label: 'Values (JSON)',
  description: 'A JSON object of column names to values, e.g. {"email":"ann@example.com"}',
  examples: ['{"email":"ann@example.com","name":"Ann Lee"}'],
});

/**
 * The row a statement returned, as JSON text (dates as the server prints them).
 *
 * @example
 * ```ts
 * output: { rowJson: rowJsonField }
 * ```
 */
export const rowJsonField = field.string({
  label: 'Row (JSON)',
  description: 'The row as a JSON object, e.g. {"id":42,"email":"ann@example.com"}',
});

/**
 * {@link rowJsonField}, absent when no row was found.
 *
 * @example
 * ```ts
 * output: { found: field.boolean(), rowJson: optionalRowJsonField }
 * ```
 */
export const optionalRowJsonField = field.string({
  required: false,
  label: 'Row (JSON)',
  description: 'The row as a JSON object; absent when no row has the key',
});

/**
 * A realistic row for samples.
 *
 * @example
 * ```ts
 * sample: { rowJson: sampleRowJson }
 * ```
 */
export const sampleRowJson =
  '{"id":42,"email":"ann@example.com","name":"Ann Lee","updated_at":"2024-05-01 10:00:00.123456"}';
