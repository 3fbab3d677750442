import { type Kysely, type RawBuilder, sql, type Transaction } from 'kysely';
import type { Database } from '../db/schema.js';

type Db = Kysely<Database> | Transaction<Database>;

/** What a link records of one side's record: its key, and the hash, version and base synced. */
export interface LinkSideState {
  readonly key: string | null;
  readonly hash: string | null;
  readonly version: string | null;
  readonly base: Record<string, unknown> | null;
  /** Whether Junction wrote this record (an echo of it is then recognised). */
  readonly written: boolean;
}

/** A link to insert: both sides' states, its state and note. */
export interface NewLink {
  readonly a: LinkSideState;
  readonly b: LinkSideState;
  readonly state?: 'active' | 'flagged';
  readonly note?: string | null;
}

/** Of `keys` (of side `side`), the ones some link of the sync holds. */
export async function linkedKeys(
  db: Db,
  syncId: string,
  side: 'a' | 'b',
  keys: readonly string[],
): Promise<Set<string>> {
  if (keys.length === 0) return new Set();
  const column = sql.ref(`${side}_key`);
  const { rows } = await sql<{ key: string }>`select ${column} as key from sync_links
    where sync_id = ${syncId} and ${column} = any(${keys}::text[])`.execute(db);
  return new Set(rows.map((r) => r.key));
}

/** A link's id, keys and state. */
export interface LinkKeys {
  readonly id: string;
  readonly a_key: string | null;
  readonly b_key: string | null;
  readonly state: string;
}

const selectLinks = async (db: Db, where: RawBuilder<unknown>) =>
  (
    await sql<LinkKeys>`select id::text as id, a_key, b_key, state from sync_links
      where ${where}`.execute(db)
  ).rows;

/** The links of `keys` (of side `side`): id, both keys and state, by the side's key. */
export async function linksOf(
  db: Db,
  syncId: string,
  side: 'a' | 'b',
  keys: readonly string[],
): Promise<Map<string, LinkKeys>> {
  if (keys.length === 0) return new Map();
  const column = sql.ref(`${side}_key`);
  const rows = await selectLinks(db, sql`sync_id = ${syncId} and ${column} = any(${keys}::text[])`);
  return new Map(rows.map((r) => [String(side === 'a' ? r.a_key : r.b_key), r]));
}

/** The links with these ids, by id. */
export async function linksById(db: Db, ids: readonly string[]): Promise<Map<string, LinkKeys>> {
  if (ids.length === 0) return new Map();
  const rows = await selectLinks(db, sql`id = any(${ids}::bigint[])`);
  return new Map(rows.map((r) => [r.id, r]));
}

/** Inserts many links in one statement (unnest of arrays); a key already linked is an error. */
export async function insertLinks(db: Db, syncId: string, links: readonly NewLink[]) {
  if (links.length === 0) return;
  const column = (pick: (l: NewLink) => unknown) => links.map(pick);
  const json = (value: Record<string, unknown> | null) =>
    value === null ? null : JSON.stringify(value);
  await sql`insert into sync_links (sync_id, a_key, b_key, a_hash, b_hash, a_version, b_version,
      a_base, b_base, a_written, b_written, state, note)
    select ${syncId}, l.* from unnest(
      ${column((l) => l.a.key)}::text[], ${column((l) => l.b.key)}::text[],
      ${column((l) => l.a.hash)}::text[], ${column((l) => l.b.hash)}::text[],
      ${column((l) => l.a.version)}::text[], ${column((l) => l.b.version)}::text[],
      ${column((l) => json(l.a.base))}::jsonb[], ${column((l) => json(l.b.base))}::jsonb[],
      ${column((l) => l.a.written)}::boolean[], ${column((l) => l.b.written)}::boolean[],
      ${column((l) => l.state ?? 'active')}::text[], ${column((l) => l.note ?? null)}::text[]
    ) as l`.execute(db);
}

/** The state of no record on a side (a link waiting for, or flagged without, its other key). */
export const noRecord: LinkSideState = {
  key: null,
  hash: null,
  version: null,
  base: null,
  written: false,
};
