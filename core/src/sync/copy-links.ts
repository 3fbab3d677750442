import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { LinkSideState, NewLink } from './bulk-links.js';

/** What COPY's text format must escape in a value (anything else goes as it is). */
const special = /[\\\t\n\r]/;
const escapes: Readonly<Record<string, string>> = {
  '\\': '\\\\',
  '\t': '\\t',
  '\n': '\\n',
  '\r': '\\r',
};

/** A value as a field of COPY's text format: `\N` for null, else the text with \, tab, CR, LF escaped. */
function field(value: string | null): string {
  if (value === null) return '\\N';
  return special.test(value) ? value.replace(/[\\\t\n\r]/g, (c) => escapes[c] as string) : value;
}

const base = (side: LinkSideState) =>
  field(side.json ?? (side.base === null ? null : JSON.stringify(side.base)));

/**
 * One link as a line of `copyLinks`'s COPY (text format): both sides' key, hash, version, base
 * (its canonical JSON when the codec computed it for its hash; SQL null for none) and written
 * flag, then the link's state and note.
 */
export function linkCopyRow(
  a: LinkSideState,
  b: LinkSideState,
  state: NewLink['state'] = 'active',
  note: string | null = null,
): string {
  return `${field(a.key)}\t${field(b.key)}\t${field(a.hash)}\t${field(b.hash)}\t${field(a.version)}\t${field(b.version)}\t${base(a)}\t${base(b)}\t${a.written}\t${b.written}\t${state}\t${field(note)}\n`;
}

/**
 * Inserts links (lines of `linkCopyRow`) for sync `syncId` with COPY on `client`, inside the
 * transaction it has open. The server reads COPY's text fields without a JSON parse and writes
 * the rows a batch at a time (an `insert ... select` writes them one by one): ~3 ms of a page of
 * 1,000's ~17 on the server. A key already linked is an error, as for `insertLinks`.
 */
export async function copyLinks(
  client: pg.ClientBase,
  syncId: string,
  rows: readonly string[],
): Promise<void> {
  if (rows.length === 0) return;
  const sync = `${field(syncId)}\t`;
  await pipeline(
    Readable.from([sync + rows.join(sync)]),
    client.query(
      copyFrom(`copy sync_links (sync_id, a_key, b_key, a_hash, b_hash, a_version, b_version,
        a_base, b_base, a_written, b_written, state, note) from stdin`),
    ),
  );
}
