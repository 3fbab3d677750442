import { type Kysely, type Selectable, sql, type Transaction } from 'kysely';
import { recordAudit } from '../audit/record-audit.js';
import type { Database } from '../db/schema.js';
import type { SyncDriftItemsTable } from '../db/tables/sync-bulk-tables.js';
import { insertLinks, type LinkSideState } from './bulk-links.js';
import { linkState } from './bulk-side.js';
import { keysetItems } from './merge-sides.js';
import type { BulkSync } from './run-backfill.js';
import { other, reads } from './sync-definition.js';

type Row = Readonly<Record<string, unknown>>;
type DriftItem = Selectable<SyncDriftItemsTable>;
type Outcome = { state: 'repaired' | 'skipped'; action: string; detail?: string };

/** Who asked for the repair (the audit entries' actor) and the request. */
export interface RepairActor {
  readonly actor: string;
  readonly requestId?: string | undefined;
}

/**
 * Applies the sync's policy to every open item of a reconciliation (stale links first): a record only on one side is
 * created on the other (when the sync writes that way), records that match are linked, a linked
 * pair that differs is written from the side the conflict policy makes win, and a stale link
 * gets the delete policy (or the missing record is created again when its side is only written
 * to). Each repair commits its link change and audit entry together; an item the policy leaves
 * alone is `skipped` with the reason, one that fails is `failed` with the error.
 */
export async function repairDrift(
  deps: { readonly db: Kysely<Database> },
  sync: BulkSync,
  reconciliationId: string,
  by: RepairActor,
) {
  const totals = { repaired: 0, skipped: 0, failed: 0 };
  // Stale links first: a record gone on one side is dealt with before records are created.
  const itemsOf = (stale: boolean) =>
    keysetItems<DriftItem>(async (after) => {
      const rows = await deps.db
        .selectFrom('sync_drift_items')
        .selectAll()
        .where('reconciliation_id', '=', reconciliationId)
        .where('state', 'in', ['open', 'failed'])
        .where('kind', stale ? '=' : '<>', 'stale_link')
        .where('id', '>', after ?? '0')
        .orderBy('id')
        .limit(200)
        .execute();
      const last = rows.at(-1);
      return rows.length === 200 && last ? { items: rows, next: last.id } : { items: rows };
    });
  async function* items() {
    yield* itemsOf(true);
    yield* itemsOf(false);
  }
  for await (const item of items()) {
    let outcome: Outcome;
    const audit = (trx: Transaction<Database>, action: string, data: Record<string, unknown>) =>
      recordAudit(trx, {
        actor: by.actor,
        action,
        subjectType: 'sync',
        subjectId: sync.id,
        requestId: by.requestId,
        data: { reconciliation: reconciliationId, item: item.id, kind: item.kind, ...data },
      });
    try {
      outcome = await repairItem(deps.db, sync, item, audit);
    } catch (error) {
      totals.failed++;
      await deps.db
        .updateTable('sync_drift_items')
        .set({
          state: 'failed',
          repair: JSON.stringify({ error: (error as Error).message }),
        })
        .where('id', '=', item.id)
        .execute();
      continue;
    }
    totals[outcome.state]++;
    if (outcome.state === 'skipped')
      await deps.db
        .updateTable('sync_drift_items')
        .set({ state: 'skipped', repair: JSON.stringify(outcome) })
        .where('id', '=', item.id)
        .execute();
  }
  return totals;
}

type Audit = (
  trx: Transaction<Database>,
  action: string,
  data: Record<string, unknown>,
) => Promise<void>;

async function repairItem(
  db: Kysely<Database>,
  sync: BulkSync,
  item: DriftItem,
  audit: Audit,
): Promise<Outcome> {
  const done = (trx: Transaction<Database>, outcome: Outcome) =>
    trx
      .updateTable('sync_drift_items')
      .set({ state: 'repaired', repair: JSON.stringify(outcome), repaired_at: new Date() })
      .where('id', '=', item.id)
      .execute()
      .then(() => outcome);
  const keyOf = (side: 'a' | 'b') => (side === 'a' ? item.a_key : item.b_key) as string;
  const create = async (from: 'a' | 'b', linkId: string | null): Promise<Outcome> => {
    const source = sync.sides[from];
    const target = sync.sides[other(from)];
    if (!reads(sync.definition, from))
      return {
        state: 'skipped',
        action: 'none',
        detail: `the sync does not write ${from} to ${other(from)}`,
      };
    const record = await source.records.get(keyOf(from));
    if (record === undefined)
      return { state: 'skipped', action: 'none', detail: `the ${from} record is gone` };
    const mapped = source.codec.map(record);
    if (mapped === undefined || mapped.error !== undefined)
      return { state: 'skipped', action: 'none', detail: mapped?.error ?? 'no mapping' };
    const [made] = await target.records.createMany([mapped.output]);
    const theirs = linkState(target, made as Row, true);
    const mine = linkState(source, record, false);
    return db.transaction().execute(async (trx) => {
      if (linkId === null)
        await insertLinks(trx, sync.id, [
          from === 'a' ? { a: mine, b: theirs } : { a: theirs, b: mine },
        ]);
      else
        await setLink(
          trx,
          linkId,
          from === 'a' ? { a: mine, b: theirs } : { a: theirs, b: mine },
          'active',
        );
      await audit(trx, 'sync.repair.create', {
        side: other(from),
        from: mine.key,
        key: theirs.key,
      });
      return done(trx, {
        state: 'repaired',
        action: `created on ${other(from)}`,
        detail: theirs.key ?? '',
      });
    });
  };
  const both = () =>
    Promise.all([sync.sides.a.records.get(keyOf('a')), sync.sides.b.records.get(keyOf('b'))]);
  const gone: Outcome = { state: 'skipped', action: 'none', detail: 'a record is gone' };
  switch (item.kind) {
    case 'only_a':
    case 'only_b':
      return create(item.kind === 'only_a' ? 'a' : 'b', null);
    case 'unlinked': {
      const [a, b] = await both();
      if (a === undefined || b === undefined) return gone;
      const link = { a: linkState(sync.sides.a, a, false), b: linkState(sync.sides.b, b, false) };
      return db.transaction().execute(async (trx) => {
        await insertLinks(trx, sync.id, [link]);
        await audit(trx, 'sync.repair.link', { a: link.a.key, b: link.b.key });
        return done(trx, { state: 'repaired', action: 'linked' });
      });
    }
    case 'differs': {
      const [a, b] = await both();
      if (a === undefined || b === undefined) return gone;
      const winner = winnerOf(sync, a, b);
      if (winner === undefined)
        return {
          state: 'skipped',
          action: 'none',
          detail: `the conflict policy "${sync.definition.conflict.policy}" leaves it to a person`,
        };
      const source = sync.sides[winner];
      const target = sync.sides[other(winner)];
      const mapped = source.codec.map(winner === 'a' ? a : b);
      if (mapped === undefined || mapped.error !== undefined)
        return { state: 'skipped', action: 'none', detail: mapped?.error ?? 'no mapping' };
      const updated = await target.records.update({
        ...mapped.output,
        [target.records.keyField]: keyOf(other(winner)),
      });
      if (updated === undefined)
        return { state: 'skipped', action: 'none', detail: `the ${other(winner)} record is gone` };
      const mine = linkState(source, winner === 'a' ? a : b, false);
      const theirs = linkState(target, updated, true);
      return db.transaction().execute(async (trx) => {
        await setLink(
          trx,
          item.link_id as string,
          winner === 'a' ? { a: mine, b: theirs } : { a: theirs, b: mine },
          'active',
        );
        await audit(trx, 'sync.repair.update', {
          side: other(winner),
          key: theirs.key,
          fields: item.fields,
        });
        return done(trx, { state: 'repaired', action: `${winner} written to ${other(winner)}` });
      });
    }
    case 'stale_link':
      return repairStale(db, sync, item, audit, create, done);
  }
}

/** A link to a record gone on a side: the delete policy, or the record created again. */
async function repairStale(
  db: Kysely<Database>,
  sync: BulkSync,
  item: DriftItem,
  audit: Audit,
  create: (from: 'a' | 'b', linkId: string | null) => Promise<Outcome>,
  done: (trx: Transaction<Database>, outcome: Outcome) => Promise<Outcome>,
): Promise<Outcome> {
  const linkId = item.link_id as string;
  const finish = (state: string, action: string, data: Record<string, unknown>) =>
    db.transaction().execute(async (trx) => {
      await sql`update sync_links set state = ${state}, note = ${action}, updated_at = now()
        where id = ${linkId}::bigint`.execute(trx);
      await audit(
        trx,
        `sync.repair.${state === 'flagged' ? 'flag' : state === 'deleted' ? 'delete' : 'archive'}`,
        data,
      );
      return done(trx, { state: 'repaired', action });
    });
  if (item.missing === 'both') return finish('deleted', 'both records are gone', {});
  const gone = item.missing as 'a' | 'b';
  const present = other(gone);
  // A side that is only written to has lost a record: the present side's is created again.
  if (!reads(sync.definition, gone)) return create(present, linkId);
  const side = sync.sides[present];
  const key = (present === 'a' ? item.a_key : item.b_key) as string;
  const policy = sync.definition.deletes;
  if (policy.policy === 'delete') {
    await side.records.delete(key);
    return finish('deleted', `deleted on ${present}: gone on ${gone}`, { side: present, key });
  }
  if (policy.policy === 'archive' && policy.field !== undefined) {
    await side.records.update({ [side.records.keyField]: key, [policy.field]: policy.value });
    return finish('archived', `archived on ${present}: gone on ${gone}`, { side: present, key });
  }
  return finish('flagged', `the ${gone} record is gone; flagged`, { side: present, key });
}

/** The side whose record wins a difference, or `undefined` when a person decides. */
function winnerOf(sync: BulkSync, a: Row, b: Row) {
  const { direction } = sync.definition;
  if (direction === 'a_to_b') return 'a' as const;
  if (direction === 'b_to_a') return 'b' as const;
  switch (sync.definition.conflict.policy) {
    case 'a_wins':
      return 'a' as const;
    case 'b_wins':
      return 'b' as const;
    case 'newest_wins': {
      const at = (side: 'a' | 'b', r: Row) =>
        Date.parse(String(sync.sides[side].codec.state(r).version));
      return (at('b', b) || 0) > (at('a', a) || 0) ? ('b' as const) : ('a' as const);
    }
    default:
      return undefined;
  }
}

/** Sets both sides' states of a link and its state. */
async function setLink(
  trx: Transaction<Database>,
  id: string,
  link: { a: LinkSideState; b: LinkSideState },
  state: string,
) {
  const json = (v: Record<string, unknown> | null) => (v === null ? null : JSON.stringify(v));
  await sql`update sync_links set a_key = ${link.a.key}, b_key = ${link.b.key},
      a_hash = ${link.a.hash}, b_hash = ${link.b.hash}, a_version = ${link.a.version},
      b_version = ${link.b.version}, a_base = ${json(link.a.base)}::jsonb,
      b_base = ${json(link.b.base)}::jsonb, a_written = ${link.a.written},
      b_written = ${link.b.written}, state = ${state}, note = null, updated_at = now()
    where id = ${id}::bigint`.execute(trx);
}
