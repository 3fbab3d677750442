import type pg from 'pg';
import type { SyncTables } from './sync-operations.js';

/** A row of either table under the sync's mapping: CRM full_name is ERP name. */
interface MappedRow {
  readonly key: string;
  readonly email: string;
  readonly name: string | null;
  readonly phone: string | null;
}

interface Link {
  readonly a_key: string | null;
  readonly b_key: string | null;
  readonly state: string;
}

/** Where the two tables and the sync's links disagree, each as a sentence; empty when agreed. */
export interface Agreement {
  readonly rows: { readonly a: number; readonly b: number };
  readonly links: Readonly<Record<string, number>>;
  /** Emails left to a person (a flagged link): excluded from the comparison, listed. */
  readonly flagged: readonly string[];
  /** Emails of links parked in a conflict: excluded from the comparison, listed. */
  readonly parked: readonly string[];
  readonly problems: readonly string[];
}

/**
 * Compares the CRM and ERP tables under the mapping, and both with the sync's links: no email
 * twice on a side (no duplicate), every record on both sides with the same values, every
 * active link joining two rows of the same email, every row linked once, no link left pending.
 * Records whose link waits for a person (flagged, or parked in a conflict) are set aside and
 * listed.
 */
export async function checkAgreement(
  junction: pg.Pool,
  syncId: string,
  tables: SyncTables,
): Promise<Agreement> {
  const a = (
    await tables.crm.query(
      `select id::text as key, email, full_name as name, phone from ${tables.crmTable}`,
    )
  ).rows as MappedRow[];
  const [bRows] = await tables.erp.query(
    `select cast(id as char) as \`key\`, email, name, phone from ${tables.erpTable}`,
  );
  const b = bRows as MappedRow[];
  const links = (
    await junction.query('select a_key, b_key, state from sync_links where sync_id = $1', [syncId])
  ).rows as Link[];
  const problems: string[] = [];
  const byEmail = (rows: readonly MappedRow[], side: string) => {
    const map = new Map<string, MappedRow>();
    for (const row of rows) {
      if (map.has(row.email)) problems.push(`${row.email} is on side ${side} twice (a duplicate)`);
      map.set(row.email, row);
    }
    return map;
  };
  const aByEmail = byEmail(a, 'a');
  const bByEmail = byEmail(b, 'b');
  const aByKey = new Map(a.map((r) => [r.key, r]));
  const bByKey = new Map(b.map((r) => [r.key, r]));

  const states: Record<string, number> = {};
  const flagged = new Set<string>();
  const parked = new Set<string>();
  const linked = { a: new Map<string, number>(), b: new Map<string, number>() };
  for (const link of links) {
    states[link.state] = (states[link.state] ?? 0) + 1;
    const x = link.a_key === null ? undefined : aByKey.get(link.a_key);
    const y = link.b_key === null ? undefined : bByKey.get(link.b_key);
    if (link.state === 'flagged' || link.state === 'conflict') {
      for (const row of [x, y])
        if (row) (link.state === 'flagged' ? flagged : parked).add(row.email);
      continue;
    }
    if (link.state === 'pending')
      problems.push(
        `the link ${link.a_key} <-> ${link.b_key} (${(x ?? y)?.email}) is still pending: a create whose outcome was never settled`,
      );
    if (link.state !== 'active') continue;
    for (const [side, key] of [
      ['a', link.a_key],
      ['b', link.b_key],
    ] as const)
      if (key !== null) linked[side].set(key, (linked[side].get(key) ?? 0) + 1);
    if (!x || !y)
      problems.push(
        `an active link ${link.a_key} <-> ${link.b_key} points at nothing on side ${x ? 'b' : 'a'}`,
      );
    else if (x.email !== y.email)
      problems.push(`an active link joins ${x.email} (a) and ${y.email} (b)`);
  }
  for (const [side, rows] of [
    ['a', a],
    ['b', b],
  ] as const)
    for (const row of rows) {
      if (flagged.has(row.email) || parked.has(row.email)) continue;
      const n = linked[side].get(row.key) ?? 0;
      if (n !== 1)
        problems.push(`${row.email} (side ${side}, key ${row.key}) has ${n} active links`);
    }
  for (const email of new Set([...aByEmail.keys(), ...bByEmail.keys()])) {
    if (flagged.has(email) || parked.has(email)) continue;
    const x = aByEmail.get(email);
    const y = bByEmail.get(email);
    if (!x || !y) problems.push(`${email} is only on side ${x ? 'a' : 'b'}`);
    else if (x.name !== y.name || x.phone !== y.phone)
      problems.push(
        `${email} differs: a has ${JSON.stringify([x.name, x.phone])}, b has ${JSON.stringify([y.name, y.phone])}`,
      );
  }
  return {
    rows: { a: a.length, b: b.length },
    links: states,
    flagged: [...flagged].sort(),
    parked: [...parked].sort(),
    problems,
  };
}
