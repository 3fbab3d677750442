import { type Kysely, sql } from 'kysely';

/**
 * The tables that grow with traffic are vacuumed and analysed by a share of their rows that
 * stays small as they grow. PostgreSQL's defaults wait for 20% of a table's rows to be dead (10%
 * changed for statistics): on a table of 50 million runs, ten million dead row versions and index
 * entries before autovacuum cleans them, and statistics that miss the last five million rows.
 * Every run updates its row in `runs` twice (queued -> running -> succeeded: `state` is indexed,
 * so no update is heap-only) and every audit entry once (sealing sets its `seq`), so dead rows
 * come as fast as runs. At 2% a million-run table is vacuumed every 20,000 dead rows, a few
 * minutes of a busy integration. Setting storage parameters takes a lock that reads and writes
 * do not wait for (SHARE UPDATE EXCLUSIVE), so this migrates a live install at once.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  for (const table of ['runs', 'run_steps', 'events', 'record_links', 'audit_entries']) {
    await sql`alter table ${sql.table(table)} set (
      autovacuum_vacuum_scale_factor = 0.02,
      autovacuum_vacuum_insert_scale_factor = 0.05,
      autovacuum_analyze_scale_factor = 0.02
    )`.execute(db);
  }
}
