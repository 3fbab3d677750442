import {
  field,
  type InferFields,
  InvalidInputError,
  validateFields,
} from '@junction/connector-kit';

/**
 * The connection settings the row trigger reads (`ctx.connection.settings`): which table to
 * watch, its key and updated-at columns, the batch size, and the safety lag.
 *
 * @example
 * ```ts
 * connection: { id, name, settings: { table: 'contacts', keyColumn: 'id', updatedAtColumn: 'updated_at' } }
 * ```
 */
export const pollSettingsFields = {
  schema: field.string({
    required: false,
    minLength: 1,
    description: "The table's database; default: the connection's database",
  }),
  table: field.string({ minLength: 1, description: 'The table to watch' }),
  keyColumn: field.string({ required: false, default: 'id', minLength: 1 }),
  updatedAtColumn: field.string({ required: false, default: 'updated_at', minLength: 1 }),
  batchSize: field.integer({ required: false, default: 100, minimum: 1, maximum: 1000 }),
  safetyLagSeconds: field.number({
    required: false,
    default: 5,
    minimum: 0,
    maximum: 3600,
    description:
      'Rows whose updated-at is newer than now minus this lag wait for a later poll, so a transaction that commits late with an older updated-at is not skipped.',
  }),
} as const;

/**
 * The checked settings with defaults applied.
 *
 * @example
 * ```ts
 * const settings: PollSettings = readPollSettings(ctx.connection.settings);
 * ```
 */
export type PollSettings = Required<Omit<InferFields<typeof pollSettingsFields>, 'schema'>> & {
  readonly schema: string | undefined;
};

/**
 * Checks the connection settings against {@link pollSettingsFields} (unknown keys are ignored:
 * settings are shared with other parts of the connection) and applies defaults; refuses bad
 * settings with an `InvalidInputError` whose pointers start at `/settings`.
 *
 * @example
 * ```ts
 * const { table, keyColumn } = readPollSettings({ table: 'contacts' });
 * ```
 */
export function readPollSettings(
  settings: Readonly<Record<string, unknown>> | undefined,
): PollSettings {
  const known = Object.fromEntries(
    Object.entries(settings ?? {}).filter(([k]) => k in pollSettingsFields),
  );
  const checked = validateFields(pollSettingsFields, known);
  if (checked.problems.length > 0) {
    const problems = checked.problems.map((p) => ({ ...p, pointer: `/settings${p.pointer}` }));
    const list = problems.map((p) => `${p.pointer} ${p.message}`).join('; ');
    throw new InvalidInputError(`The row trigger's connection settings are invalid: ${list}`, {
      problems,
    });
  }
  const v = checked.value;
  return {
    schema: typeof v.schema === 'string' ? v.schema : undefined,
    table: typeof v.table === 'string' ? v.table : '',
    keyColumn: typeof v.keyColumn === 'string' ? v.keyColumn : 'id',
    updatedAtColumn: typeof v.updatedAtColumn === 'string' ? v.updatedAtColumn : 'updated_at',
    batchSize: typeof v.batchSize === 'number' ? v.batchSize : 100,
    safetyLagSeconds: typeof v.safetyLagSeconds === 'number' ? v.safetyLagSeconds : 5,
  };
}
