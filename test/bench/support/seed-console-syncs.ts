import type pg from 'pg';
import { crmErpSync } from '../../sync/crm-erp-sync.js';

/** The sync the console bench seeds, and how much of each thing it holds. */
export const benchSync = {
  id: 'syn_bench',
  links: 10_000,
  openConflicts: 1_000,
  backfills: 20,
  driftItems: 10_000,
} as const;

// Connections and tables are never called: the pages only read the definition.
const definition = crmErpSync(
  { pg: 'con_crm', mysql: 'con_erp' },
  { crm: 'crm', erp: 'erp' },
  { conflict: { policy: 'park' }, deletes: { policy: 'flag' }, intervalSeconds: 60 },
);

/**
 * A two-way sync as the console's sync pages meet it after a while: 10,000 links, 1,000 of them
 * parked in open conflicts, 20 finished backfills, and a finished reconciliation whose drift
 * report holds 10,000 items; the id of the report's item after which its 101st page starts.
 */
export async function seedConsoleSyncs(pool: pg.Pool): Promise<{ laterPageAfter: string }> {
  const { id } = benchSync;
  await pool.query(
    `insert into syncs (id, name, enabled, current_version, created_by)
     values ($1, $2, true, 1, 'bench')`,
    [id, definition.name],
  );
  await pool.query(
    `insert into sync_versions (sync_id, version, definition, created_by)
     values ($1, 1, $2, 'bench')`,
    [id, JSON.stringify(definition)],
  );
  await pool.query(
    `insert into sync_cursors (sync_id, side, position, scanned_at)
     values ($1, 'a', '{"at":"2026-12-06T10:00:00Z"}', now()), ($1, 'b', null, now())`,
    [id],
  );
  await pool.query(
    `insert into sync_links (sync_id, a_key, b_key, state)
     select $1, n::text, n::text, case when n <= $3 then 'conflict' else 'active' end
       from generate_series(1, $2::int) n`,
    [id, benchSync.links, benchSync.openConflicts],
  );
  await pool.query(
    `insert into sync_conflicts (id, sync_id, link_id, a_key, b_key, base, a_record, b_record)
     select 'scf_' || lpad(l.a_key, 6, '0'), $1, l.id, l.a_key, l.b_key,
            jsonb_build_object('a', jsonb_build_object('values', jsonb_build_object(
              'email', 'p' || l.a_key || '@crm.test', 'name', 'P')),
              'b', jsonb_build_object('values', jsonb_build_object(
              'email', 'p' || l.a_key || '@crm.test', 'full_name', 'P'))),
            jsonb_build_object('key', l.a_key, 'values', jsonb_build_object('id', l.a_key::int,
              'email', 'p' || l.a_key || '@crm.test', 'full_name', 'P Smith')),
            jsonb_build_object('key', l.b_key, 'values', jsonb_build_object('id', l.b_key::int,
              'email', 'p' || l.a_key || '@crm.test', 'name', 'P Jones'))
       from sync_links l where l.sync_id = $1 and l.state = 'conflict' order by l.id`,
    [id],
  );
  await pool.query(
    `insert into sync_backfills (id, sync_id, sync_version, state, plan, pass, total_a, total_b,
                                 done, linked, created_b, requested_by, started_at, finished_at)
     select 'sbf_' || n, $1, 1, 'succeeded', '{scan:b,walk:a,walk:b}', 3, 10000, 0, 20000,
            0, 10000, 'bench', now() - interval '1 hour', now() - interval '50 minutes'
       from generate_series(1, $2::int) n`,
    [id, benchSync.backfills],
  );
  await pool.query(
    `insert into sync_reconciliations (id, sync_id, sync_version, state, phase, trigger, seen_a,
                                       seen_b, counts, requested_by, started_at, finished_at)
     values ('src_bench', $1, 1, 'succeeded', null, 'api', 10000, 9000,
             '{"only_a": 5000, "differs": 5000}', 'bench', now() - interval '5 minutes', now())`,
    [id],
  );
  await pool.query(
    `insert into sync_drift_items (reconciliation_id, sync_id, kind, a_key, b_key, fields)
     select 'src_bench', $1, case when n % 2 = 0 then 'only_a' else 'differs' end, n::text,
            case when n % 2 = 0 then null else n::text end,
            case when n % 2 = 0 then null
                 else '[{"field":"values.name","a":"P Smith","b":"P Jones"}]'::jsonb end
       from generate_series(1, $2::int) n`,
    [id, benchSync.driftItems],
  );
  const { rows } = await pool.query(
    `select id::text from sync_drift_items where reconciliation_id = 'src_bench'
      order by id offset 4999 limit 1`,
  );
  return { laterPageAfter: rows[0].id as string };
}
