import {
  type ConnectorDefinition,
  InvalidInputError,
  type RecordCapability,
  type RecordTypeDefinition,
  type RunContext,
} from '@junction/connector-kit';

type Row = Record<string, unknown>;

/** One call of a record type's operation (connector-kit `RecordOperations`), as data. */
export type RecordCall =
  | { readonly op: 'list'; readonly cursor?: string; readonly limit: number }
  | {
      readonly op: 'listChanged';
      readonly since?: string;
      readonly after?: string;
      readonly limit: number;
    }
  | { readonly op: 'count' }
  | { readonly op: 'find'; readonly field: string; readonly values: readonly string[] }
  | { readonly op: 'get'; readonly key: string }
  | { readonly op: 'create'; readonly record: Row }
  | { readonly op: 'update'; readonly record: Row }
  | { readonly op: 'delete'; readonly key: string }
  | {
      readonly op: 'createMany';
      readonly records: readonly Row[];
      /** The fields the caller reads of each answer (contract 1.15); all without it. */
      readonly fields?: readonly string[];
    }
  | { readonly op: 'updateMany'; readonly records: readonly Row[] }
  | { readonly op: 'deleteMany'; readonly keys: readonly string[] };

/** The record type `name` of a connector, or a refusal naming the ones it has. */
export function recordTypeOf(definition: ConnectorDefinition, name: string): RecordTypeDefinition {
  const found = definition.recordTypes?.find((r) => r.name === name);
  if (found) return found;
  const names = (definition.recordTypes ?? []).map((r) => r.name).join(', ') || 'none';
  throw new InvalidInputError(`${definition.id} has no record type "${name}" (it has: ${names}).`);
}

/**
 * Runs one record call of `definition`'s record type `recordType` with `ctx` (its settings as
 * `ctx.settings`): the same code in Junction's process and in a plugin host. A capability the
 * record type does not offer is refused as bad input.
 */
export function runRecordCall(
  definition: ConnectorDefinition,
  recordType: string,
  call: RecordCall,
  ctx: RunContext,
): Promise<unknown> {
  const type = recordTypeOf(definition, recordType) as RecordTypeDefinition & {
    [K in RecordCapability]?: (
      ctx: RunContext,
      arg: unknown,
      options?: unknown,
    ) => Promise<unknown>;
  };
  const fn = type[call.op];
  if (typeof fn !== 'function')
    throw new InvalidInputError(
      `Record type "${recordType}" of ${definition.id} cannot ${call.op}.`,
    );
  switch (call.op) {
    case 'list':
      return fn.call(type, ctx, { cursor: call.cursor, limit: call.limit });
    case 'listChanged':
      return fn.call(type, ctx, { since: call.since, after: call.after, limit: call.limit });
    case 'count':
      return fn.call(type, ctx, undefined);
    case 'find':
      return fn.call(type, ctx, { field: call.field, values: call.values });
    case 'get':
    case 'delete':
      return fn.call(type, ctx, call.key);
    case 'create':
    case 'update':
      return fn.call(type, ctx, call.record);
    case 'createMany':
      return call.fields === undefined
        ? fn.call(type, ctx, call.records)
        : fn.call(type, ctx, call.records, { fields: call.fields });
    case 'updateMany':
      return fn.call(type, ctx, call.records);
    case 'deleteMany':
      return fn.call(type, ctx, call.keys);
  }
}
