import { field } from '@junction/connector-kit';

/**
 * The settings of the row trigger (trigger settings, `ctx.settings`, given by each integration):
 * which table to watch, its key and updated-at columns, the batch size, and the safety lag.
 * Names are checked against the live table before any statement runs.
 *
 * @example
 * ```ts
 * createTestContext({ settings: { table: 'contacts', keyColumn: 'id', updatedAtColumn: 'updated_at' } });
 * ```
 */
export const pollSettingsFields = {
  schema: field.string({
    required: false,
    minLength: 1,
    label: 'Database',
    description: "The table's database; default: the connection's database",
  }),
  table: field.string({ minLength: 1, label: 'Table', description: 'The table to watch' }),
  keyColumn: field.string({
    default: 'id',
    minLength: 1,
    label: 'Key column',
    description: 'A unique column',
  }),
  updatedAtColumn: field.string({
    default: 'updated_at',
    minLength: 1,
    label: 'Updated-at column',
    description: 'e.g. datetime(6) on update current_timestamp(6)',
  }),
  batchSize: field.integer({ default: 100, minimum: 1, maximum: 1000, label: 'Rows per poll' }),
  safetyLagSeconds: field.number({
    default: 5,
    minimum: 0,
    maximum: 3600,
    label: 'Safety lag (seconds)',
    description:
      'Rows whose updated-at is newer than now minus this lag wait for a later poll, so a transaction that commits late with an older updated-at is not skipped.',
  }),
} as const;
