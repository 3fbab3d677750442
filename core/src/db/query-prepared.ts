import { createHash } from 'node:crypto';
import type { CompiledQuery } from 'kysely';
import type pg from 'pg';

const names = new Map<string, string>();

/**
 * Runs a compiled query as a named prepared statement: each pooled connection parses and plans
 * it once, then only binds and executes it. For the statements Junction runs for every event
 * (claiming a run, ending an attempt), where planning costs as much as executing. The name is
 * derived from the SQL text, so two texts never share a name. Such statements list their columns
 * (no `*`), so that a column added by a later migration cannot change a cached plan's result.
 */
export async function queryPrepared<R>(pool: pg.Pool, query: CompiledQuery<R>): Promise<R[]> {
  let name = names.get(query.sql);
  if (name === undefined) {
    name = `junction_${createHash('sha256').update(query.sql).digest('hex').slice(0, 24)}`;
    if (names.size > 500) names.clear();
    names.set(query.sql, name);
  }
  const result = await pool.query({
    name,
    text: query.sql,
    values: query.parameters as unknown[],
  });
  return result.rows as R[];
}
