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
  /** The canonical JSON of `base`, when the codec computed it (saves writing it again). */
  readonly json?: string | null;
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

/** Inserts many links in one statement; a key already linked is an error. */
export async function insertLinks(db: Db, syncId: string, links: readonly NewLink[]) {
  if (links.length === 0) return;
  await insertLinksSql(syncId, linksJson(links)).execute(db);
}

/**
 * The insert of the links in `json` (as `linksJson` writes them) for sync `syncId`: one JSON
 * parameter, an array of one array a link, read by `jsonb_array_elements`. Cheaper to send than a
 * text array a column (each of whose elements the client escapes), and cheaper for the server to
 * read than an array of objects (`json_to_recordset` matches every member by name: 3-4x the time).
 * Usable as a CTE of a larger statement.
 */
export function insertLinksSql(syncId: string, json: string): RawBuilder<unknown> {
  return sql`insert into sync_links (sync_id, a_key, b_key, a_hash, b_hash, a_version, b_version,
      a_base, b_base, a_written, b_written, state, note)
    select ${syncId}, l->>0, l->>1, l->>2, l->>3, l->>4, l->>5, nullif(l->6, 'null'),
      nullif(l->7, 'null'), (l->>8)::boolean, (l->>9)::boolean, l->>10, l->>11
    from jsonb_array_elements(${json}::jsonb) as l`;
}

/** Links as the JSON array `insertLinksSql` reads. */
export function linksJson(links: readonly NewLink[]): string {
  return `[${links.map((l) => linkJson(l.a, l.b, l.state, l.note)).join(',')}]`;
}

/**
 * One link as a member of `linksJson`'s array, written by hand: both sides' key, hash, version,
 * base (written as its canonical JSON when the codec computed it for its hash) and written flag,
 * then the link's state and note.
 */
export function linkJson(
  a: LinkSideState,
  b: LinkSideState,
  state: NewLink['state'] = 'active',
  note: string | null = null,
): string {
  const text = (value: string | null) => (value === null ? 'null' : JSON.stringify(value));
  const base = (side: LinkSideState) =>
    side.json ?? (side.base === null ? 'null' : JSON.stringify(side.base));
  return `[${text(a.key)},${text(b.key)},${text(a.hash)},${text(b.hash)},${text(a.version)},${text(b.version)},${base(a)},${base(b)},${a.written},${b.written},"${state}",${text(note)}]`;
}

/** The state of no record on a side (a link waiting for, or flagged without, its other key). */
export const noRecord: LinkSideState = {
  key: null,
  hash: null,
  version: null,
  base: null,
  written: false,
};
