import { createRequire } from 'node:module';
import type pg from 'pg';

/** pg's own conversion of a parameter to its text form. */
const { prepareValue } = createRequire(import.meta.url)('pg/lib/utils.js') as {
  prepareValue(value: unknown): string | null;
};

/** One statement as Junction sends it: its SQL and parameters. */
export interface Statement {
  readonly sql: string;
  readonly parameters: readonly unknown[];
  /**
   * Run as a named prepared statement (queryPrepared, ingestion): PostgreSQL may settle on a
   * generic plan, which is checked too. Others are planned for their parameters each time.
   */
  readonly prepared?: boolean;
}

interface PlanNode {
  readonly 'Node Type': string;
  readonly 'Relation Name'?: string;
  readonly 'Index Name'?: string;
  readonly 'Index Cond'?: string;
  readonly 'Recheck Cond'?: string;
  readonly Plans?: readonly PlanNode[];
}

interface IndexInfo {
  readonly table: string;
  readonly columns: readonly string[];
  readonly partial: boolean;
}

/** What the plan checker knows of the database: the big tables and every index's columns. */
export interface PlanCatalog {
  readonly bigTables: ReadonlySet<string>;
  readonly indexes: ReadonlyMap<string, IndexInfo>;
}

/** Tables with more than `minRows` rows (by the statistics) and the indexes of the schema. */
export async function readPlanCatalog(
  client: pg.ClientBase,
  minRows = 10_000,
): Promise<PlanCatalog> {
  const { rows: tables } = await client.query<{ relname: string }>(
    `select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where n.nspname = 'public' and c.relkind = 'r' and c.reltuples > $1`,
    [minRows],
  );
  const { rows: indexes } = await client.query<{
    index: string;
    table: string;
    columns: string[];
    partial: boolean;
  }>(
    `select i.relname as index, t.relname as table, x.indpred is not null as partial,
            array(select coalesce(a.attname, '(expression)') from unnest(x.indkey) with ordinality k(attnum, n)
                  left join pg_attribute a on a.attrelid = t.oid and a.attnum = k.attnum
                  order by k.n)::text[] as columns
     from pg_index x join pg_class i on i.oid = x.indexrelid join pg_class t on t.oid = x.indrelid
     join pg_namespace n on n.oid = t.relnamespace where n.nspname = 'public'`,
  );
  return {
    bigTables: new Set(tables.map((t) => t.relname)),
    indexes: new Map(indexes.map((i) => [i.index, i])),
  };
}

/**
 * Plans a statement as PostgreSQL would run it: a custom plan for these parameters and, for a
 * prepared statement, the generic plan it may settle on; and
 * returns what is wrong with either: a sequential scan of a big table, a whole index read where
 * nothing bounds it (no condition, no LIMIT above it, not a partial index), or an index searched
 * on columns that are not a prefix of its own (only its leading columns bound the search: the
 * rest are checked entry by entry, a matching index is missing).
 */
export async function planProblems(
  client: pg.ClientBase,
  catalog: PlanCatalog,
  statement: Statement,
): Promise<string[]> {
  const problems: string[] = [];
  const custom = await client.query(
    `explain (format json) ${statement.sql}`,
    statement.parameters as unknown[],
  );
  problems.push(
    ...walk(custom.rows[0]['QUERY PLAN'][0].Plan, catalog, false).map((p) => `custom plan: ${p}`),
  );
  if (!statement.prepared) return problems;
  await client.query('set plan_cache_mode = force_generic_plan');
  try {
    await client.query(`prepare junction_plan_check as ${statement.sql}`);
    // EXECUTE takes no bound parameters: its arguments are literals, as pg would send them.
    const args = statement.parameters
      .map((v) => {
        const text = prepareValue(v);
        return text === null ? 'null' : client.escapeLiteral(text);
      })
      .join(', ');
    const generic = await client.query(
      `explain (format json) execute junction_plan_check${args ? `(${args})` : ''}`,
    );
    problems.push(
      ...walk(generic.rows[0]['QUERY PLAN'][0].Plan, catalog, false).map(
        (p) => `generic plan: ${p}`,
      ),
    );
  } finally {
    await client.query('deallocate all');
    await client.query('reset plan_cache_mode');
  }
  return problems;
}

const blocking = new Set([
  'Sort',
  'Incremental Sort',
  'Hash',
  'Aggregate',
  'HashAggregate',
  'Materialize',
]);

function walk(node: PlanNode, catalog: PlanCatalog, underLimit: boolean): string[] {
  const problems: string[] = [];
  const type = node['Node Type'];
  const indexName = node['Index Name'];
  const index = indexName === undefined ? undefined : catalog.indexes.get(indexName);
  const table = node['Relation Name'] ?? index?.table;
  if (type === 'Seq Scan' && table !== undefined && catalog.bigTables.has(table))
    problems.push(`sequential scan of ${table}`);
  if (index && indexName && table !== undefined && catalog.bigTables.has(table)) {
    const cond = node['Index Cond'];
    if (cond === undefined) {
      if (!index.partial && !underLimit) problems.push(`whole index ${indexName} read`);
    } else {
      const used = index.columns.map((c) => new RegExp(`(?<![\\w.])${c}(?!\\w)`).test(cond));
      const prefix = used.indexOf(false) === -1 ? used.length : used.indexOf(false);
      if (used.slice(prefix).some(Boolean))
        problems.push(
          `${indexName} (${index.columns.join(', ')}) bounded only by ${index.columns.slice(0, prefix).join(', ') || 'nothing'} for ${cond}`,
        );
    }
  }
  // A LIMIT bounds the scans below it, unless something in between reads all of its input first.
  const limited = (underLimit || type === 'Limit') && !blocking.has(type);
  for (const child of node.Plans ?? []) problems.push(...walk(child, catalog, limited));
  return problems;
}
