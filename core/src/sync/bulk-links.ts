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
 * parameter read by `json_to_recordset`, much cheaper to send than a text array a column
 * (each of whose elements the client escapes). Usable as a CTE of a larger statement.
 */
export function insertLinksSql(syncId: string, json: string): RawBuilder<unknown> {
  return sql`insert into sync_links (sync_id, a_key, b_key, a_hash, b_hash, a_version, b_version,
      a_base, b_base, a_written, b_written, state, note)
    select ${syncId}, l.a_key, l.b_key, l.a_hash, l.b_hash, l.a_version, l.b_version, l.a_base,
      l.b_base, coalesce(l.a_written, false), coalesce(l.b_written, false),
      coalesce(l.state, 'active'), l.note
    from json_to_recordset(${json}::json) as l(a_key text, b_key text, a_hash text, b_hash text,
      a_version text, b_version text, a_base jsonb, b_base jsonb, a_written boolean,
      b_written boolean, state text, note text)`;
}

/** Links as the JSON array `insertLinksSql` reads. */
export function linksJson(links: readonly NewLink[]): string {
  return `[${links.map((l) => linkJson(l.a, l.b, l.state, l.note)).join(',')}]`;
}

/**
 * One link as a member of `linksJson`'s array, written by hand: null members are left out, and
 * a side's base is written as its canonical JSON when the codec computed it (for its hash).
 */
export function linkJson(
  a: LinkSideState,
  b: LinkSideState,
  state?: NewLink['state'],
  note?: string | null,
): string {
  const tail =
    (state === undefined || state === 'active' ? '' : `,"state":"${state}"`) +
    (note === undefined || note === null ? '' : `,"note":${JSON.stringify(note)}`);
  return `{${sideJson('a', a)},${sideJson('b', b)}${tail}}`;
}

function sideJson(name: 'a' | 'b', side: LinkSideState): string {
  let out = `"${name}_written":${side.written}`;
  if (side.key !== null) out += `,"${name}_key":${JSON.stringify(side.key)}`;
  if (side.hash !== null) out += `,"${name}_hash":${JSON.stringify(side.hash)}`;
  if (side.version !== null) out += `,"${name}_version":${JSON.stringify(side.version)}`;
  const base = side.json ?? (side.base === null ? null : JSON.stringify(side.base));
  if (base !== null) out += `,"${name}_base":${base}`;
  return out;
}

/** The state of no record on a side (a link waiting for, or flagged without, its other key). */
export const noRecord: LinkSideState = {
  key: null,
  hash: null,
  version: null,
  base: null,
  written: false,
};
