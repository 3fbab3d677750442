import type { FieldSet } from './field.js';

/**
 * A kind of record the external system holds (contact, invoice), with its fields.
 *
 * @example
 * ```ts
 * const names = (connector.recordTypes ?? []).map((r: RecordTypeDefinition) => r.name);
 * ```
 */
export interface RecordTypeDefinition<F extends FieldSet = FieldSet> {
  /** Lowercase kebab-case or snake_case, unique among the connector's record types. */
  readonly name: string;
  readonly description?: string;
  readonly fields: F;
  /** The field that identifies a record in the external system. */
  readonly key: string;
  /** The field holding the last-modified instant, used for incremental sync. */
  readonly updatedAt?: string;
}

/**
 * What {@link defineRecordType} accepts: `key` and `updatedAt` must name declared fields.
 *
 * @example
 * ```ts
 * defineRecordType({ name: 'deal', fields: { id: field.string() }, key: 'id' });
 * ```
 */
export interface RecordTypeInput<F extends FieldSet> extends RecordTypeDefinition<F> {
  readonly key: keyof F & string;
  readonly updatedAt?: keyof F & string;
}

/**
 * Declares a record type; `key` and `updatedAt` must name declared fields (checked by the
 * compiler here and by `validateConnector` at run time).
 *
 * @example
 * ```ts
 * export const contact = defineRecordType({
 *   name: 'contact',
 *   fields: { id: field.string(), email: field.string(), updated_at: field.dateTime() },
 *   key: 'id', updatedAt: 'updated_at',
 * });
 * ```
 */
export function defineRecordType<const F extends FieldSet>(
  definition: RecordTypeInput<F>,
): RecordTypeDefinition<F> {
  return definition;
}
