import { type Kysely, sql } from 'kysely';

/**
 * The sync tables get the autovacuum settings 0026 gave the run tables, for the same reason: they
 * grow with the records synced, and PostgreSQL's defaults wait for 20% of a table's rows to be
 * dead (10% changed for statistics) before cleaning or re-analysing it. Every write of a sync
 * updates its link in `sync_links` (hash, version, base; a create updates the pending link it
 * inserted), so a sync of ten million records would leave two million dead link versions before
 * autovacuum came, and the planner would not see the links of the last million records. Each
 * backfill and reconciliation writes one `sync_scan_rows` row per record of a side and deletes
 * them all when it ends; a reconciliation rewrites its `sync_drift_items`; backfills and
 * reconciliations update their row after each page, cursors after each page of change detection,
 * and conflicts are inserted and resolved. At 2% (5% of inserts) they are vacuumed and analysed by
 * a share of their rows that stays small as they grow. Setting storage parameters takes a lock
 * that reads and writes do not wait for (SHARE UPDATE EXCLUSIVE), so this migrates a live install
 * at once.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    'sync_links',
    'sync_cursors',
    'sync_conflicts',
    'sync_scan_rows',
    'sync_drift_items',
    'sync_backfills',
    'sync_reconciliations',
  ]) {
    await sql`alter table ${sql.table(table)} set (
      autovacuum_vacuum_scale_factor = 0.02,
      autovacuum_vacuum_insert_scale_factor = 0.05,
      autovacuum_analyze_scale_factor = 0.02
    )`.execute(db);
  }
}
