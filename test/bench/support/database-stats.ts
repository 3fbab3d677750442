import type pg from 'pg';

/** One table's size and vacuum activity (pg_stat_user_tables), graphile-worker's included. */
export interface TableStats {
  readonly table: string;
  readonly tableMB: number;
  readonly indexMB: number;
  readonly liveRows: number;
  readonly deadRows: number;
  readonly autovacuums: number;
  readonly autoanalyzes: number;
  readonly updates: number;
  /** Updates that were heap-only (no index touched). */
  readonly hotUpdates: number;
}

/** Every user table of the database `client` is connected to, largest first. */
export async function tableStats(client: pg.ClientBase): Promise<TableStats[]> {
  const { rows } = await client.query<TableStats>(
    `select schemaname || '.' || relname as "table",
            round(pg_table_size(relid) / 1048576.0, 2)::float8 as "tableMB",
            round(pg_indexes_size(relid) / 1048576.0, 2)::float8 as "indexMB",
            n_live_tup::int as "liveRows", n_dead_tup::int as "deadRows",
            autovacuum_count::int as autovacuums, autoanalyze_count::int as autoanalyzes,
            n_tup_upd::int as updates, n_tup_hot_upd::int as "hotUpdates"
     from pg_stat_user_tables
     order by pg_total_relation_size(relid) desc, relname`,
  );
  return rows;
}

/** Buffer accesses and transactions of the database so far (pg_stat_database). */
export interface DatabaseCounters {
  /** Shared buffer pages read, from memory or from the disk. */
  readonly blocks: number;
  readonly commits: number;
}

export async function databaseCounters(client: pg.ClientBase): Promise<DatabaseCounters> {
  const { rows } = await client.query<DatabaseCounters>(
    `select (blks_hit + blks_read)::float8 as blocks, xact_commit::float8 as commits
     from pg_stat_database where datname = current_database()`,
  );
  return rows[0] as DatabaseCounters;
}

/** The tables at the end beside the start: sizes, and the autovacuum runs between. */
export function compareTables(start: readonly TableStats[], end: readonly TableStats[]) {
  const before = new Map(start.map((t) => [t.table, t]));
  return end
    .filter((t) => t.tableMB + t.indexMB >= 0.1 || t.autovacuums + t.autoanalyzes > 0)
    .map((t) => {
      const was = before.get(t.table);
      return {
        table: t.table,
        tableMB: `${was?.tableMB ?? 0} -> ${t.tableMB}`,
        indexMB: `${was?.indexMB ?? 0} -> ${t.indexMB}`,
        liveRows: t.liveRows,
        deadRows: t.deadRows,
        autovacuums: t.autovacuums - (was?.autovacuums ?? 0),
        autoanalyzes: t.autoanalyzes - (was?.autoanalyzes ?? 0),
        hotUpdateShare:
          t.updates > (was?.updates ?? 0)
            ? Math.round(
                ((t.hotUpdates - (was?.hotUpdates ?? 0)) / (t.updates - (was?.updates ?? 0))) * 100,
              ) / 100
            : undefined,
      };
    });
}
