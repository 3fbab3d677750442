import type { FieldSet, InferFields } from './field.js';
import type { RunContext } from './run-context.js';

/**
 * One page of a record type's `list`: the records in key order and the cursor of the next page
 * (absent on the last page). Pass `next` back as `cursor` to read on from there (keyset: a page
 * starts after the last key of the one before, so records written meanwhile are neither skipped
 * nor read twice).
 *
 * @example
 * ```ts
 * const page: RecordPage<{ id: string }> = { records: [{ id: 'a' }], next: 'a' };
 * ```
 */
export interface RecordPage<R> {
  readonly records: readonly R[];
  readonly next?: string;
}

/**
 * What a record type can do with the records of the external system (contract 1.11). Each is
 * optional: a record type offers the ones its system has; the `...Many` forms write a batch in
 * as few calls as the system allows. Keys are passed as strings (`String(record[key])`).
 *
 * @example
 * ```ts
 * const ops: RecordOperations<{ id: string; name: string }> = {
 *   get: (ctx, key) => ctx.http.get<{ id: string; name: string }>(`/things/${key}`),
 * };
 * ```
 */
export interface RecordOperations<R> {
  /** A page of records in key order, after `cursor` (from the start without one). */
  list?(ctx: RunContext, page: { cursor?: string; limit: number }): Promise<RecordPage<R>>;
  /** The record with this key; `undefined` when there is none. */
  get?(ctx: RunContext, key: string): Promise<R | undefined>;
  /** Creates a record (its key may be left out when the system assigns it); the stored record. */
  create?(ctx: RunContext, record: Partial<R>): Promise<R>;
  /** Changes the given fields of the record `record[key]`; the stored record, `undefined` if gone. */
  update?(ctx: RunContext, record: Partial<R>): Promise<R | undefined>;
  /** Deletes the record; whether there was one. */
  delete?(ctx: RunContext, key: string): Promise<boolean>;
  /**
   * Creates a batch; the stored records in the same order. With `options.fields` (contract
   * 1.15), the caller reads only those fields of each answer (a sync that does not read this
   * side: the key and updated-at field): the record type may answer only them, sparing the
   * system and the wire the rest; each answered record still has every field named.
   */
  createMany?(
    ctx: RunContext,
    records: readonly Partial<R>[],
    options?: CreateManyOptions,
  ): Promise<R[]>;
  /** Updates a batch; per record, the stored record or `undefined` when it is gone. */
  updateMany?(ctx: RunContext, records: readonly Partial<R>[]): Promise<(R | undefined)[]>;
  /** Deletes a batch; the keys that were there (and are now deleted). */
  deleteMany?(ctx: RunContext, keys: readonly string[]): Promise<string[]>;
  /**
   * Records changed at or after `since` (an ISO 8601 instant; from the start without one), in
   * (`updatedAt`, key) order, after `after` (the `next` of the page before, within one read).
   * `next` is present whenever a record is returned; an empty page means no more changes
   * (contract 1.12). Records without an `updatedAt` value are not listed.
   */
  listChanged?(
    ctx: RunContext,
    page: { since?: string; after?: string; limit: number },
  ): Promise<RecordPage<R>>;
  /**
   * How many records there are now (contract 1.13): what a full `list` would read, known before
   * reading it, so that a long read (a backfill) can say how far it is. It may be an estimate
   * when the system only has one; it is read once, not kept exact.
   */
  count?(ctx: RunContext): Promise<number>;
  /**
   * The records whose value at `field` equals one of `values` compared as text (a number 7
   * matches "7"), in no set order (contract 1.14): what a sync looks a record up by when it knows
   * its match value but not its key (a create whose answer was lost), without reading the whole
   * system. `field` is a path as a sync's `match` names it (dots into objects: `values.email` for
   * the SQL table record type). A field the record type cannot search by is refused with an
   * `InvalidInputError`; callers pass at most a few hundred values at a time.
   */
  find?(ctx: RunContext, query: { field: string; values: readonly string[] }): Promise<R[]>;
}

/**
 * What a caller of `createMany` asks of its answer (contract 1.15).
 *
 * @example
 * ```ts
 * await recordType.createMany?.(ctx, records, { fields: ['id', 'updated_at'] });
 * ```
 */
export interface CreateManyOptions {
  /** The top-level fields the caller reads of each created record; all of them without it. */
  readonly fields?: readonly string[];
}

/**
 * The names of a record type's capabilities, in the order manifests list them.
 *
 * @example
 * ```ts
 * const offered = RECORD_CAPABILITIES.filter((name) => typeof recordType[name] === 'function');
 * ```
 */
export const RECORD_CAPABILITIES = [
  'list',
  'get',
  'create',
  'update',
  'delete',
  'createMany',
  'updateMany',
  'deleteMany',
  'listChanged',
  'count',
  'find',
] as const satisfies readonly (keyof RecordOperations<unknown>)[];

/**
 * One capability of a record type.
 *
 * @example
 * ```ts
 * const can: RecordCapability = 'list';
 * ```
 */
export type RecordCapability = (typeof RECORD_CAPABILITIES)[number];

/**
 * A kind of record the external system holds (contact, invoice), with its fields, its key, its
 * modified-at field and what Junction can do with its records.
 *
 * @example
 * ```ts
 * const names = (connector.recordTypes ?? []).map((r: RecordTypeDefinition) => r.name);
 * ```
 */
export interface RecordTypeDefinition<F extends FieldSet = FieldSet>
  extends RecordOperations<InferFields<F>> {
  /** Lowercase kebab-case or snake_case, unique among the connector's record types. */
  readonly name: string;
  readonly description?: string;
  readonly fields: F;
  /** The field that identifies a record in the external system. */
  readonly key: string;
  /** The field holding the last-modified instant (or a version), used for incremental sync. */
  readonly updatedAt?: string;
  /**
   * Settings a user gives where the record type is used (a table, a list id), read as
   * `ctx.settings` by the operations (contract 1.11).
   */
  readonly settings?: FieldSet;
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
 * compiler here and by `validateConnector` at run time), and the operations' records are typed
 * by `fields`.
 *
 * @example
 * ```ts
 * export const contact = defineRecordType({
 *   name: 'contact',
 *   fields: { id: field.string(), email: field.string(), updated_at: field.dateTime() },
 *   key: 'id', updatedAt: 'updated_at',
 *   list: (ctx, { cursor, limit }) => ctx.http.get('/contacts', { query: { after: cursor, limit } }),
 *   get: (ctx, key) => ctx.http.get(`/contacts/${encodeURIComponent(key)}`),
 * });
 * ```
 */
export function defineRecordType<const F extends FieldSet>(
  definition: RecordTypeInput<F>,
): RecordTypeDefinition<F> {
  return definition;
}

/**
 * The capabilities a record type offers (the operations it defines).
 *
 * @example
 * ```ts
 * recordCapabilities(contact); // ['get']
 * ```
 */
export function recordCapabilities(recordType: RecordTypeDefinition): RecordCapability[] {
  return RECORD_CAPABILITIES.filter((name) => typeof recordType[name] === 'function');
}
