import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { BENCH_ADMIN_TOKEN, benchPost } from './support/bench-integration.js';
import { openBenchPostgres } from './support/bench-postgres.js';
import { summariseCpuProfile } from './support/cpu-profile.js';
import { backendsCpuSince, databaseBackendsCpu, processCpuSeconds } from './support/cpu-time.js';
import { type BenchJunction, startBenchJunction } from './support/junction-env.js';
import { round } from './support/load-generator.js';

const RECORDS = Number(process.env.BENCH_BACKFILL_RECORDS ?? 100_000);
const BATCH = Number(process.env.BENCH_BACKFILL_BATCH ?? 1_000);

/** The "CRM" table backfilled from (in its own database). */
const sourceTableSql = `create table crm_contacts (
  id bigint primary key,
  email text not null,
  full_name text not null,
  updated_at timestamptz(3) not null default now()
)`;

/** The "ERP" table written to (in another database). */
const targetTableSql = (name: string) => `create table ${name} (
  id bigint primary key,
  email text not null,
  name text not null,
  updated_at timestamptz(3) not null default now()
)`;

/**
 * Backfill at bulk speed: BENCH_BACKFILL_RECORDS (100,000) rows in a PostgreSQL "CRM" table,
 * copied into an "ERP" table of another database three times in one run: by a hand-written loop
 * (keyset pages of BENCH_BACKFILL_BATCH rows, each written by one `insert ... select from
 * unnest(...) on conflict do update`), the baseline; by the same loop writing each page's link
 * rows as well (`handWrittenLinkedUpsert`: the least a sync must keep); then by Junction's backfill
 * of a sync between the two tables. Reports the three rates (records per second), Junction's ratio
 * to each loop, and the CPU milliseconds the Junction process spent per page of
 * BENCH_BACKFILL_BATCH records (less sensitive to a shared machine's load than the rates), and
 * those the backends serving its database spent (`serverCpuMsPerPage`). BENCH_PROFILE=1 adds a CPU profile of the
 * Junction process during its backfill, summarised (BENCH_PROFILE_KEEP=1 keeps the .cpuprofile
 * and prints its folder); BENCH_PG_STATEMENTS=1 (embedded server) the statements' server times.
 */
export async function runBackfillBench(): Promise<Record<string, unknown>> {
  const postgres = await openBenchPostgres();
  const sourceUrl = await postgres.createDatabase('backfill_crm');
  const targetUrl = await postgres.createDatabase('backfill_erp');
  const source = new pg.Client({ connectionString: sourceUrl });
  const target = new pg.Client({ connectionString: targetUrl });
  try {
    await source.connect();
    await target.connect();
    await source.query(sourceTableSql);
    await source.query(
      `insert into crm_contacts (id, email, full_name)
       select g, 'user' || g || '@example.com', 'User ' || g from generate_series(1, $1::int) g`,
      [RECORDS],
    );
    await source.query('analyze crm_contacts');
    await target.query(targetTableSql('erp_baseline'));
    const baseline = await handWrittenUpsert(source, target);
    await checkCopied(target, 'erp_baseline');
    await target.query(targetTableSql('erp_linked'));
    const linksUrl = await postgres.createDatabase('backfill_links', { migrated: true });
    const links = new pg.Client({ connectionString: linksUrl });
    let linkedBaseline: Awaited<ReturnType<typeof handWrittenLinkedUpsert>>;
    try {
      await links.connect();
      linkedBaseline = await handWrittenLinkedUpsert(source, target, links);
    } finally {
      await links.end().catch(() => {});
    }
    await checkCopied(target, 'erp_linked');
    await target.query(targetTableSql('erp_junction'));
    const junctionUrl = await postgres.createDatabase('backfill_junction', { migrated: true });
    const junction = await startBenchJunction(junctionUrl, {
      JUNCTION_ROLE: 'all',
      JUNCTION_SYNC_PAGE_SIZE: String(BATCH),
      LOG_LEVEL: 'warn',
    });
    let backfill: Awaited<ReturnType<typeof junctionBackfill>>;
    try {
      backfill = await junctionBackfill(
        junction,
        sourceUrl,
        targetUrl,
        new URL(junctionUrl).pathname.slice(1),
      );
    } finally {
      await junction.stop();
    }
    await checkCopied(target, 'erp_junction');
    // BENCH_PG_STATEMENTS=1: what the server spent on each statement, in Junction's database and
    // in the ERP's (the baseline's upserts and Junction's creates).
    const statements = {
      junction: await postgres.statements(junctionUrl),
      erp: await postgres.statements(targetUrl),
    };
    const ratio = backfill.perSecond / baseline.perSecond;
    const linkedRatio = backfill.perSecond / linkedBaseline.perSecond;
    console.log(`\nbackfill: ${RECORDS} records, batches of ${BATCH}`);
    const { profile: _, ...rates } = backfill;
    console.table([
      { what: 'hand-written unnest upsert', ...baseline },
      { what: 'hand-written unnest upsert + link rows', ...linkedBaseline },
      { what: "Junction's backfill (postgres to postgres)", ...rates },
    ]);
    return {
      server: postgres.server,
      records: RECORDS,
      batch: BATCH,
      baseline,
      linkedBaseline,
      junction: backfill,
      ratioJunctionToBaseline: round(ratio, 2),
      ratioJunctionToLinkedBaseline: round(linkedRatio, 2),
      ratioLinkedBaselineToBaseline: round(linkedBaseline.perSecond / baseline.perSecond, 2),
      goal: '>= 0.8 of the hand-written upsert',
      goalMet: ratio >= 0.8,
      linkedGoalMet: linkedRatio >= 0.8,
      ...(statements.junction ? { statements } : {}),
    };
  } finally {
    await source.end().catch(() => {});
    await target.end().catch(() => {});
    await postgres.close();
  }
}

/**
 * Through Junction's API: postgres connections to both databases, a sync from the CRM table to
 * the ERP table (matched by email), its backfill started and followed until it ends. The time
 * runs from the POST to the end the backfill reports.
 */
async function junctionBackfill(
  junction: BenchJunction,
  sourceUrl: string,
  targetUrl: string,
  database: string,
) {
  const junctionUrl = junction.url;
  const call = benchPost(junctionUrl);
  const connection = async (name: string, url: string) =>
    (
      await call('/v1/connections', {
        name,
        connector: 'postgres',
        credentials: { connectionString: url },
      })
    ).json.id as string;
  const side = (connectionId: string, table: string) => ({
    connector: 'postgres',
    connection: connectionId,
    recordType: 'table_row',
    settings: { table, keyColumn: 'id', modifiedAtColumn: 'updated_at' },
  });
  const sync = await call('/v1/syncs', {
    name: 'CRM contacts to ERP customers (bench)',
    a: side(await connection('CRM', sourceUrl), 'crm_contacts'),
    b: side(await connection('ERP', targetUrl), 'erp_junction'),
    direction: 'a_to_b',
    mappings: {
      aToB: {
        values: {
          object: [
            ['id', { var: 'record.values.id' }],
            ['email', { var: 'record.values.email' }],
            ['name', { var: 'record.values.full_name' }],
          ],
        },
      },
    },
    match: { a: 'values.email', b: 'values.email' },
  });
  const syncId = sync.json.id as string;
  const profileDir =
    process.env.BENCH_PROFILE === '1'
      ? await mkdtemp(path.join(os.tmpdir(), 'junction-bench-prof-'))
      : undefined;
  if (profileDir) await junction.child.ask('profile-start');
  const cpuBefore = await processCpuSeconds(junction.child.pid);
  const serverBefore = await databaseBackendsCpu(database);
  const started = performance.now();
  const { json } = await call(`/v1/syncs/${syncId}/backfill`, undefined);
  const viewUrl = `${junctionUrl}/v1/syncs/${syncId}/backfills/${json.id as string}`;
  const deadline = Date.now() + Number(process.env.BENCH_BACKFILL_WAIT_MS ?? 600_000);
  for (;;) {
    const res = await fetch(viewUrl, { headers: { authorization: `Bearer ${BENCH_ADMIN_TOKEN}` } });
    const view = (await res.json()) as {
      state: string;
      error: string | null;
      created: { b: number };
      progress: { ratePerSecond: number | null };
      startedAt: string;
      finishedAt: string | null;
    };
    if (view.state === 'failed') throw new Error(`The backfill failed: ${view.error}`);
    if (view.state === 'succeeded' && view.finishedAt !== null) {
      const seconds = (performance.now() - started) / 1000;
      const cpuSeconds = (await processCpuSeconds(junction.child.pid)) - cpuBefore;
      const serverSeconds = backendsCpuSince(serverBefore, await databaseBackendsCpu(database));
      return {
        records: view.created.b,
        seconds: round(seconds, 2),
        perSecond: Math.round(view.created.b / seconds),
        reportedPerSecond: view.progress.ratePerSecond,
        cpuMsPerPage: round((cpuSeconds * 1000 * BATCH) / RECORDS, 1),
        // The backends serving Junction's database (pool, worker): the database's share a page.
        serverCpuMsPerPage: round((serverSeconds * 1000 * BATCH) / RECORDS, 1),
        ...(profileDir ? { profile: await profileOf(junction, profileDir) } : {}),
      };
    }
    if (Date.now() > deadline) throw new Error(`The backfill did not end in time: ${view.state}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Stops the CPU profile begun in `dir` and summarises it (BENCH_PROFILE=1). */
async function profileOf(junction: BenchJunction, dir: string) {
  await junction.child.ask('profile-stop', { dir });
  const summary = await summariseCpuProfile(dir, 25);
  if (process.env.BENCH_PROFILE_KEEP === '1') console.log(`backfill profile: ${dir}`);
  else await rm(dir, { recursive: true, force: true });
  return summary;
}

/** Copies every source row in keyset pages, one unnest upsert per page. */
async function handWrittenUpsert(source: pg.Client, target: pg.Client) {
  const started = performance.now();
  let after = 0;
  let copied = 0;
  for (;;) {
    const { rows } = await source.query<{ id: string; email: string; full_name: string }>(
      'select id, email, full_name from crm_contacts where id > $1 order by id limit $2',
      [after, BATCH],
    );
    if (rows.length === 0) break;
    await target.query(
      `insert into erp_baseline (id, email, name)
       select * from unnest($1::bigint[], $2::text[], $3::text[])
       on conflict (id) do update set email = excluded.email, name = excluded.name, updated_at = now()`,
      [rows.map((r) => r.id), rows.map((r) => r.email), rows.map((r) => r.full_name)],
    );
    copied += rows.length;
    after = Number(rows.at(-1)?.id);
  }
  const seconds = (performance.now() - started) / 1000;
  return { records: copied, seconds: round(seconds, 2), perSecond: Math.round(copied / seconds) };
}

/**
 * The same copy as `handWrittenUpsert`, by a loop that also keeps what a sync must know of each
 * pair to sync it again (echo suppression, conflicts, reconciliation): after each page's upsert
 * (returning the target's version), one `insert ... select from unnest(...)` of the page's rows
 * into Junction's own `sync_links` table (in a migrated database of its own, so with the same
 * indexes): both keys, the SHA-256 of what was written, both versions and the written fields as
 * the base. What a careful hand-written sync writes at least; no audit entry, no crash record.
 */
async function handWrittenLinkedUpsert(source: pg.Client, target: pg.Client, links: pg.Client) {
  const started = performance.now();
  let after = 0;
  let copied = 0;
  for (;;) {
    const { rows } = await source.query<{
      id: string;
      email: string;
      full_name: string;
      updated_at: Date;
    }>(
      'select id, email, full_name, updated_at from crm_contacts where id > $1 order by id limit $2',
      [after, BATCH],
    );
    if (rows.length === 0) break;
    const written = await target.query<{ id: string; updated_at: Date }>(
      `insert into erp_linked (id, email, name)
       select * from unnest($1::bigint[], $2::text[], $3::text[])
       on conflict (id) do update set email = excluded.email, name = excluded.name, updated_at = now()
       returning id, updated_at`,
      [rows.map((r) => r.id), rows.map((r) => r.email), rows.map((r) => r.full_name)],
    );
    const bases = rows.map((r) => JSON.stringify({ email: r.email, id: r.id, name: r.full_name }));
    await links.query(
      `insert into sync_links (sync_id, a_key, b_key, a_hash, a_version, b_version, a_base, b_written)
       select 'bench', * , true from unnest($1::text[], $2::text[], $3::text[], $4::text[],
         $5::text[], $6::jsonb[])`,
      [
        rows.map((r) => r.id),
        written.rows.map((r) => r.id),
        bases.map((b) => createHash('sha256').update(b).digest('hex')),
        rows.map((r) => r.updated_at.toISOString()),
        written.rows.map((r) => r.updated_at.toISOString()),
        bases,
      ],
    );
    copied += rows.length;
    after = Number(rows.at(-1)?.id);
  }
  const seconds = (performance.now() - started) / 1000;
  return { records: copied, seconds: round(seconds, 2), perSecond: Math.round(copied / seconds) };
}

/** Throws unless the target table holds exactly the source's records. */
async function checkCopied(target: pg.Client, table: string) {
  const { rows } = await target.query<{ n: number; distinct_emails: number }>(
    `select count(*)::int as n, count(distinct email)::int as distinct_emails from ${table}`,
  );
  if (rows[0]?.n !== RECORDS || rows[0]?.distinct_emails !== RECORDS)
    throw new Error(`${table} holds ${JSON.stringify(rows[0])}, not ${RECORDS} distinct records.`);
}
