import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import { recordAudit } from '../audit/record-audit.js';
import { ConfigProblem } from '../connections/config-problem.js';
import type { Actor } from '../connections/connection-store.js';
import type { Database } from '../db/schema.js';
import {
  type VersionedKind,
  type VersionedRow,
  type VersionRow,
  versionedKinds,
} from './versioned-kinds.js';

/** What every versioned object shows of itself; each kind adds its own fields. */
export interface VersionedView<D> {
  readonly id: string;
  readonly name: string;
  readonly enabled: boolean;
  readonly version: number;
  readonly revision: number;
  readonly definition: D;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** A versioned object in a list: its view without the definition. */
export type VersionedSummary = Omit<VersionedView<never>, 'definition'>;

type Tx = Transaction<Database>;

/** What one kind of versioned object adds to the shared shape. */
export interface VersionedStoreOptions<K extends VersionedKind, D extends { name: string }, F, X> {
  readonly db: Kysely<Database>;
  readonly kind: K;
  /** Checks a definition against connectors and connections; answers it with versions pinned. */
  check(definition: D): Promise<D>;
  /** Fields read from the row, shown in views and in lists (after the definition). */
  fields(row: VersionedRow<K>): F;
  /** Fields only a full view shows, before `fields`. */
  details(row: VersionedRow<K>): Promise<X>;
  /** Runs in each change's transaction, before its audit entry. */
  readonly on?: {
    /** A version was saved (version 1 on create). */
    saved?(trx: Tx, id: string, version: number, definition: D): Promise<void>;
    created?(trx: Tx, id: string): Promise<void>;
    updated?(trx: Tx, id: string): Promise<void>;
    enabled?(trx: Tx, id: string, enabled: boolean): Promise<void>;
  };
}

/**
 * A versioned configuration object (an integration, a sync): a current row whose `revision` is
 * its ETag and whose every definition is kept as an immutable version; each change checked,
 * refused when the row changed since it was read (412), and audited in its own transaction.
 */
export function createVersionedStore<K extends VersionedKind, D extends { name: string }, F, X>(
  options: VersionedStoreOptions<K, D, F, X>,
) {
  const { db, kind, check, on = {} } = options;
  const spec = versionedKinds[kind] as (typeof versionedKinds)[VersionedKind];
  const noun = kind as VersionedKind;
  type Row = VersionedRow<K>;
  type View = VersionedView<D> & X & F;

  const stale = () => new ConfigProblem([], `The ${noun} changed meanwhile; read it again.`, 412);

  async function definitionOf(id: string, version: number): Promise<D> {
    const row = await db
      .selectFrom(spec.versions)
      .select('definition')
      .where(spec.owner, '=', id)
      .where('version', '=', version)
      .executeTakeFirstOrThrow();
    return row.definition as D;
  }

  const head = (row: Row) => ({
    id: row.id,
    name: row.name,
    enabled: row.enabled,
    version: row.current_version,
    revision: row.revision,
  });
  const times = (row: Row) => ({
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
  });

  async function view(row: Row): Promise<View> {
    return {
      ...head(row),
      definition: await definitionOf(row.id, row.current_version),
      ...(await options.details(row)),
      ...options.fields(row),
      ...times(row),
    };
  }

  function summary(row: Row): VersionedSummary & F {
    return { ...head(row), ...options.fields(row), ...times(row) };
  }

  async function saveVersion(trx: Tx, id: string, version: number, definition: D, by: Actor) {
    await trx
      .insertInto(spec.versions)
      .values({
        [spec.owner]: id,
        version,
        definition: JSON.stringify(definition),
        created_by: by.actor,
      } as VersionValues)
      .execute();
    await on.saved?.(trx, id, version, definition);
  }

  /** Applies a change to the row only if nobody changed it since `row` was read. */
  async function bump(
    trx: Tx,
    row: Row,
    set: Partial<{ name: string; enabled: boolean; current_version: number }>,
  ): Promise<Row> {
    const updated = await trx
      .updateTable(spec.table)
      .set((eb) => ({ ...set, revision: eb('revision', '+', 1), updated_at: new Date() }))
      .where('id', '=', row.id)
      .where('revision', '=', row.revision)
      .returningAll()
      .executeTakeFirst();
    if (!updated) throw stale();
    return updated as Row;
  }

  /** An audit entry about the object, in the transaction of the change (`sync.update`...). */
  const audit = (trx: Tx, by: Actor, verb: string, id: string, data?: Record<string, unknown>) =>
    recordAudit(trx, {
      actor: by.actor,
      action: `${noun}.${verb}`,
      subjectType: noun,
      subjectId: id,
      integrationId: noun === 'integration' ? id : undefined,
      requestId: by.requestId,
      data,
    });

  return {
    view,
    summary,
    definitionOf,
    bump,
    audit,
    stale,

    async get(id: string): Promise<Row | undefined> {
      const row = await db
        .selectFrom(spec.table)
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirst();
      return row as Row | undefined;
    },

    /** Every saved version without its definition, newest first. */
    versions(id: string): Promise<Omit<VersionRow, 'definition'>[]> {
      return db
        .selectFrom(spec.versions)
        .select(['version', 'created_at', 'created_by'])
        .where(spec.owner, '=', id)
        .orderBy('version', 'desc')
        .execute();
    },

    version(id: string, version: number): Promise<VersionRow | undefined> {
      return db
        .selectFrom(spec.versions)
        .select(['version', 'definition', 'created_at', 'created_by'])
        .where(spec.owner, '=', id)
        .where('version', '=', version)
        .executeTakeFirst();
    },

    async create(definition: D, by: Actor): Promise<View> {
      const pinned = await check(definition);
      const id = `${spec.idPrefix}${randomUUID()}`;
      const row = await db.transaction().execute(async (trx) => {
        const inserted = await trx
          .insertInto(spec.table)
          .values({ id, name: pinned.name, current_version: 1, created_by: by.actor })
          .returningAll()
          .executeTakeFirstOrThrow();
        await saveVersion(trx, id, 1, pinned, by);
        await on.created?.(trx, id);
        await audit(trx, by, 'create', id, { version: 1, after: pinned });
        return inserted as Row;
      });
      return view(row);
    },

    /** Saves `definition` as a new immutable version and makes it current. */
    async update(row: Row, definition: D, by: Actor): Promise<View> {
      const pinned = await check(definition);
      const before = await definitionOf(row.id, row.current_version);
      const version = row.current_version + 1;
      const updated = await db.transaction().execute(async (trx) => {
        const next = await bump(trx, row, { name: pinned.name, current_version: version });
        await saveVersion(trx, row.id, version, pinned, by);
        await on.updated?.(trx, row.id);
        await audit(trx, by, 'update', row.id, { version, before, after: pinned });
        return next;
      });
      return view(updated);
    },

    /**
     * Turns the object on or off; a no-op answer when it already is. `also` runs in the same
     * transaction when it changes something (enabling a sync starts its backfill there); what it
     * answers is added to the audit entry.
     */
    async setEnabled(
      row: Row,
      enabled: boolean,
      by: Actor,
      also?: (trx: Tx) => Promise<Record<string, unknown>>,
    ): Promise<View> {
      if (row.enabled === enabled) return view(row);
      const updated = await db.transaction().execute(async (trx) => {
        const next = await bump(trx, row, { enabled });
        await on.enabled?.(trx, row.id, enabled);
        await audit(trx, by, enabled ? 'enable' : 'disable', row.id, {
          version: row.current_version,
          ...(await also?.(trx)),
        });
        return next;
      });
      return view(updated);
    },
  };
}

/** A new version row: the owner's id under `integration_id` or `sync_id`, as its kind names it. */
type VersionValues = { integration_id: string; sync_id: string } & {
  version: number;
  definition: string;
  created_by: string;
};
