import { describe, expect, it } from 'vitest';
import { insertLinks, type LinkSideState, noRecord } from '../../core/src/sync/bulk-links.js';
import { copyLinks, linkCopyRow } from '../../core/src/sync/copy-links.js';
import { useJunctionDatabase } from '../support/junction-database.js';

const database = useJunctionDatabase();

/** Values COPY's text format gives a meaning to, and their neighbours. */
const awkward = [
  'tab\there',
  'line\nbreak',
  'cr\rhere',
  'back\\slash',
  '\\N',
  '\\.',
  'ünïcødé ☃',
  '',
];

const side = (key: string, i: number): LinkSideState => ({
  key,
  hash: `${key}#hash`,
  version: i % 2 === 0 ? null : `v\\${i}\t`,
  base: { key, nested: { text: `${key}\n"quoted"` }, list: [1, null, true] },
  written: i % 3 === 0,
});

const linksOf = async (syncId: string) =>
  (
    await database().pool.query(
      `select a_key, b_key, a_hash, b_hash, a_version, b_version, a_base, b_base, a_written,
         b_written, state, note from sync_links where sync_id = $1 order by a_key, b_key`,
      [syncId],
    )
  ).rows;

describe('copyLinks', () => {
  it('stores links with every value as insertLinks (the JSON path) stores them', async () => {
    const links = awkward.map((key, i) => ({
      a: side(`a:${key}`, i),
      b: i === 0 ? noRecord : side(`b:${key}`, i + 1),
      state: i === 0 ? ('flagged' as const) : ('active' as const),
      note: i === 0 ? 'a note\twith\\ a tab\n' : null,
    }));
    // The codec's canonical JSON of a base, when it computed one, is what is stored.
    const withJson = links.map((l, i) =>
      i === 1 ? { ...l, a: { ...l.a, json: JSON.stringify(l.a.base) } } : l,
    );
    const client = await database().pool.connect();
    try {
      await client.query('begin');
      await copyLinks(
        client,
        'syn_copy',
        withJson.map((l) => linkCopyRow(l.a, l.b, l.state, l.note)),
      );
      await client.query('commit');
    } finally {
      client.release();
    }
    await insertLinks(database().db, 'syn_json', links);
    const copied = await linksOf('syn_copy');
    expect(copied).toHaveLength(awkward.length);
    expect(copied).toEqual(await linksOf('syn_json'));
    expect(copied.map((r) => r.a_key)).toEqual(awkward.map((k) => `a:${k}`).sort());
    expect(copied.find((r) => r.a_key === 'a:tab\there')).toMatchObject({
      b_key: null,
      b_base: null,
      a_version: null,
      state: 'flagged',
      note: 'a note\twith\\ a tab\n',
    });
  });

  it('refuses a key already linked, and the transaction stores none of the rows', async () => {
    const row = (key: string) => linkCopyRow(side(key, 1), noRecord);
    const client = await database().pool.connect();
    try {
      await client.query('begin');
      await copyLinks(client, 'syn_twice', [row('one')]);
      await expect(copyLinks(client, 'syn_twice', [row('two'), row('one')])).rejects.toMatchObject({
        code: '23505',
      });
      await client.query('rollback');
    } finally {
      client.release();
    }
    expect(await linksOf('syn_twice')).toEqual([]);
  });
});
