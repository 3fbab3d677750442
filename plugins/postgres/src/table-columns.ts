import { InvalidInputError } from '@junction/connector-kit';
import type pg from 'pg';

/**
 * A table as the live database describes it: its quoted name and its columns (name to data
 * type, from information_schema).
 *
 * @example
 * ```ts
 * const table = await loadTable(client, { schema: 'public', table: 'contacts' }, '/table');
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
 * Reads a table's columns from information_schema and refuses a table that does not exist (or
 * that the connection's user cannot see) with an `InvalidInputError` at `pointer`.
 *
 * @example
 * ```ts
 * const table = await loadTable(client, { schema: 'public', table: 'contacts' }, '/table');
 * ```
 */
export async function loadTable(
  client: pg.Client,
  name: { readonly schema: string; readonly table: string },
  pointer: string,
): Promise<LiveTable> {
  const result = await client.query<{ column_name: string; data_type: string }>(
    `select column_name, data_type from information_schema.columns
      where table_schema = $1 and table_name = $2 order by ordinal_position`,
    [name.schema, name.table],
  );
  if (result.rows.length === 0) {
    const message = `no table "${name.table}" in schema "${name.schema}" (or no privilege to see it)`;
    throw new InvalidInputError(`PostgreSQL: ${message}.`, { problems: [{ pointer, message }] });
  }
  const columns = new Map(result.rows.map((r) => [r.column_name, r.data_type]));
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
