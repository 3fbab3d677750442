import { InvalidInputError } from '@junction/connector-kit';
import type pg from 'pg';
import type { Session } from './connect.js';
import type { Columns } from './pool-registry.js';

/**
 * A table as the live database describes it: its quoted name and its columns (name to data
 * type, from information_schema, possibly cached for a minute).
 *
 * @example
 * ```ts
 * const table = await loadTable(session, { schema: 'public', table: 'contacts' }, '/table', ['email']);
 * table.column('email', '/values'); // '"email"', or throws InvalidInputError
 * ```
 */
export interface LiveTable {
  /** `"schema"."table"`, quoted. */
  readonly sql: string;
  readonly columns: ReadonlyMap<string, string>;
  /** The quoted column, or an `InvalidInputError` at `pointer` naming the table's columns. */
  column(name: string, pointer: string): string;
}

/**
 * Quotes an identifier for PostgreSQL (double quotes, inner quotes doubled). Only used on
 * names already checked against the live table.
 *
 * @example
 * ```ts
 * quoteIdent('Order "lines"'); // '"Order ""lines"""'
 * ```
 */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * Describes a table from its pool's column cache, reading information_schema when the cached
 * list is missing, older than a minute, or lacks one of `names` (the columns this call uses), so
 * a column added since is seen at once. Every name is still checked against the listed columns.
 * Refuses a table that does not exist (or that the connection's user cannot see) with an
 * `InvalidInputError` at `pointer`.
 *
 * @example
 * ```ts
 * const table = await loadTable(session, { schema: 'public', table: 'contacts' }, '/table', ['email']);
 * ```
 */
export async function loadTable(
  session: Session,
  name: { readonly schema: string; readonly table: string },
  pointer: string,
  names: readonly string[],
): Promise<LiveTable> {
  const columns = await session.tables.read(
    `${name.schema}\u0000${name.table}`,
    () => readColumns(session.client, name, pointer),
    (cached) => names.every((n) => cached.has(n)),
  );
  return {
    sql: `${quoteIdent(name.schema)}.${quoteIdent(name.table)}`,
    columns,
    column(column, at) {
      if (columns.has(column)) return quoteIdent(column);
      const message = `no column "${column}" in "${name.schema}"."${name.table}" (columns: ${[...columns.keys()].join(', ')})`;
      throw new InvalidInputError(`PostgreSQL: ${message}.`, {
        problems: [{ pointer: at, message }],
      });
    },
  };
}

async function readColumns(
  client: pg.ClientBase,
  name: { readonly schema: string; readonly table: string },
  pointer: string,
): Promise<Columns> {
  const result = await client.query<{ column_name: string; data_type: string }>(
    `select column_name, data_type from information_schema.columns
      where table_schema = $1 and table_name = $2 order by ordinal_position`,
    [name.schema, name.table],
  );
  if (result.rows.length === 0) {
    const message = `no table "${name.table}" in schema "${name.schema}" (or no privilege to see it)`;
    throw new InvalidInputError(`PostgreSQL: ${message}.`, { problems: [{ pointer, message }] });
  }
  return new Map(result.rows.map((r) => [r.column_name, r.data_type]));
}
