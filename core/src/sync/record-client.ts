import { randomUUID } from 'node:crypto';
import {
  ConnectorError,
  InvalidInputError,
  type RecordCapability,
  type RecordPage,
  type RecordTypeDefinition,
} from '@junction/connector-kit';
import type { ConnectionStore } from '../connections/connection-store.js';
import type { ConnectorSource, ResolvedConnector } from '../connectors/connector-source.js';
import type { PluginExecutor } from '../executor/plugin-executor.js';
import { type RecordCall, recordTypeOf } from '../executor/record-call.js';

/** A record as it crosses the boundary: the record type's fields. */
export type SyncRecord = Readonly<Record<string, unknown>>;

/** One side of a sync: which records of which system, through which connection. */
export interface SideRef {
  readonly connector: string;
  /** Pinned when the sync is saved; the newest installed version without one. */
  readonly version?: string | undefined;
  readonly connection?: string | undefined;
  readonly recordType: string;
  readonly settings?: Readonly<Record<string, unknown>> | undefined;
}

/**
 * The records of one side, called through the executor (in process or in a plugin host), with
 * the connection's credentials, the side's settings, a timeout and redaction. Every call answers
 * the plugin's output or throws its typed `ConnectorError`.
 */
export interface RecordSide {
  readonly connector: ResolvedConnector;
  readonly recordType: RecordTypeDefinition;
  /** The record type's key field and updated-at field (when it has one). */
  readonly keyField: string;
  readonly updatedAtField: string | undefined;
  offers(capability: RecordCapability): boolean;
  keyOf(record: SyncRecord): string;
  list(page: { cursor?: string; limit: number }): Promise<RecordPage<SyncRecord>>;
  listChanged(page: {
    since?: string;
    after?: string;
    limit: number;
  }): Promise<RecordPage<SyncRecord>>;
  get(key: string): Promise<SyncRecord | undefined>;
  /** The number of records (`count`, contract 1.13); `undefined` when the type cannot count. */
  count(): Promise<number | undefined>;
  /**
   * The records whose value at `field` (a path, as a sync's `match` names it) equals one of
   * `values` as text (`find`, contract 1.14), asked 500 values a call; `undefined` when the
   * type cannot find, or refuses to find by that field.
   */
  find(field: string, values: readonly string[]): Promise<SyncRecord[] | undefined>;
  create(record: SyncRecord): Promise<SyncRecord>;
  update(record: SyncRecord): Promise<SyncRecord | undefined>;
  delete(key: string): Promise<boolean>;
  /**
   * `createMany` when offered, else one `create` a record (in order). `fields`: what the caller
   * reads of each answer (contract 1.15; the record type may answer only those).
   */
  createMany(
    records: readonly SyncRecord[],
    options?: { readonly fields?: readonly string[] },
  ): Promise<SyncRecord[]>;
  /** `updateMany` when offered, else one `update` a record. */
  updateMany(records: readonly SyncRecord[]): Promise<(SyncRecord | undefined)[]>;
  /** `deleteMany` when offered, else one `delete` a key. */
  deleteMany(keys: readonly string[]): Promise<string[]>;
}

export interface RecordClientDeps {
  readonly connectors: ConnectorSource;
  readonly connections: ConnectionStore;
  readonly executor: PluginExecutor;
  /** Per call (default 60 s). */
  readonly timeoutMs?: number;
}

/**
 * Record calls for sync, backfill and reconciliation.
 *
 * @example
 * ```ts
 * const crm = await createRecordClient(deps).side(definition.a);
 * const page = await crm.list({ limit: 500 });
 * ```
 */
export function createRecordClient(deps: RecordClientDeps) {
  return {
    /** The side's records; refuses an uninstalled connector, a missing connection or record type. */
    async side(ref: SideRef): Promise<RecordSide> {
      const connector = deps.connectors.get(ref.connector, ref.version);
      if (!connector)
        throw new InvalidInputError(
          `Connector ${ref.connector}${ref.version ? `@${ref.version}` : ''} is not installed.`,
        );
      const recordType = recordTypeOf(connector.definition, ref.recordType);
      const connection = ref.connection ? await deps.connections.get(ref.connection) : undefined;
      if (ref.connection && !connection)
        throw new InvalidInputError(`Connection ${ref.connection} does not exist.`);
      const call = async (recordCall: RecordCall): Promise<unknown> => {
        const execute = (credentials: Record<string, unknown>) =>
          deps.executor.execute({
            connector,
            operation: { kind: 'record', recordType: ref.recordType, call: recordCall },
            credentials,
            connection: {
              id: connection?.id ?? 'none',
              name: connection?.name ?? 'none',
              settings: connection?.settings ?? {},
            },
            settings: ref.settings ?? {},
            idempotencyKey: `record:${randomUUID()}`,
            timeoutMs: deps.timeoutMs ?? 60_000,
          });
        const result = connection
          ? await deps.connections.callWith(connection, execute)
          : await execute({});
        if (!result.ok) throw result.error;
        return result.output;
      };
      const offers = (capability: RecordCapability) => typeof recordType[capability] === 'function';
      const keyField = recordType.key;
      const keyOf = (record: SyncRecord) => {
        const key = record[keyField];
        if (key === undefined || key === null)
          throw new ConnectorError(
            `A ${ref.recordType} record of ${ref.connector} came back without its key "${keyField}".`,
            { kind: 'invalidInput' },
          );
        return String(key);
      };
      const side: RecordSide = {
        connector,
        recordType,
        keyField,
        updatedAtField: recordType.updatedAt,
        offers,
        keyOf,
        list: (page) => call({ op: 'list', ...page }) as Promise<RecordPage<SyncRecord>>,
        listChanged: (page) =>
          call({ op: 'listChanged', ...page }) as Promise<RecordPage<SyncRecord>>,
        get: (key) => call({ op: 'get', key }) as Promise<SyncRecord | undefined>,
        async count() {
          if (!offers('count')) return undefined;
          // An estimate at best: an answer that is no count is taken as none.
          const n = Number(await call({ op: 'count' }));
          return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
        },
        async find(field, values) {
          if (!offers('find')) return undefined;
          const found: SyncRecord[] = [];
          try {
            for (let i = 0; i < values.length; i += 500) {
              const chunk = values.slice(i, i + 500);
              found.push(...((await call({ op: 'find', field, values: chunk })) as SyncRecord[]));
            }
          } catch (error) {
            // A field it cannot search by: the caller reads the records another way.
            if (error instanceof ConnectorError && error.kind === 'invalidInput') return undefined;
            throw error;
          }
          return found;
        },
        create: (record) => call({ op: 'create', record }) as Promise<SyncRecord>,
        update: (record) => call({ op: 'update', record }) as Promise<SyncRecord | undefined>,
        delete: async (key) => (await call({ op: 'delete', key })) === true,
        async createMany(records, options) {
          if (records.length === 0) return [];
          if (offers('createMany')) {
            const fields = options?.fields;
            return (await call(
              fields === undefined
                ? { op: 'createMany', records }
                : { op: 'createMany', records, fields },
            )) as SyncRecord[];
          }
          const out: SyncRecord[] = [];
          for (const record of records) out.push(await side.create(record));
          return out;
        },
        async updateMany(records) {
          if (records.length === 0) return [];
          if (offers('updateMany'))
            return (await call({ op: 'updateMany', records })) as (SyncRecord | undefined)[];
          const out: (SyncRecord | undefined)[] = [];
          for (const record of records) out.push(await side.update(record));
          return out;
        },
        async deleteMany(keys) {
          if (keys.length === 0) return [];
          if (offers('deleteMany')) return (await call({ op: 'deleteMany', keys })) as string[];
          const out: string[] = [];
          for (const key of keys) if (await side.delete(key)) out.push(key);
          return out;
        },
      };
      return side;
    },
  };
}

export type RecordClient = ReturnType<typeof createRecordClient>;
