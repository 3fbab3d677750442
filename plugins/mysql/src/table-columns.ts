import { InvalidInputError } from '@junction/connector-kit';
import type mysql from 'mysql2/promise';

/**
 * A table as the live database describes it: its quoted name, its columns (name to data type,
 * from information_schema) and the columns that alone form a unique index.
 *
 * @example
 * ```ts
 * const table = await loadTable(db, { table: 'contacts' }, '/table');
 * table.column('email', '/values'); // '`email`', or throws InvalidInputError
 * ```
 */
export interface LiveTable {
  /** `` `schema`.`table` ``, quoted. */
  readonly sql: string;
  readonly name: string;
  readonly columns: ReadonlyMap<string, string>;
  /** Columns with a single-column unique index (or the primary key). */
  readonly uniqueColumns: ReadonlySet<string>;
  /** The quoted column, or an `InvalidInputError` at `pointer` naming the table's columns. */
  column(name: string, pointer: string): string;
}

/**
 * Quotes an identifier for MySQL/MariaDB (backticks, inner backticks doubled). Only used on
 * names already checked against the live table.
 *
 * @example
 * ```ts
 * quoteIdent('order`lines'); // '`order``lines`'
 * ```
 */
export function quoteIdent(name: string): string {
  return `\`${name.replace(/`/g, '``')}\``;
}

/**
 * Reads a table's columns and unique indexes from information_schema (schema: the given one,
 * else the connection's database) and refuses a table that does not exist with an
 * `InvalidInputError` at `pointer`.
 *
 * @example
 * ```ts
 * const table = await loadTable(db, { table: 'contacts' }, '/table');
 * ```
 */
export async function loadTable(
  db: mysql.Connection,
  name: { readonly schema?: string | undefined; readonly table: string },
  pointer: string,
): Promise<LiveTable> {
  const [schemaRows] = await db.execute<mysql.RowDataPacket[]>(
    'select coalesce(?, database()) as s',
    [name.schema ?? null],
  );
  const schema = String(schemaRows[0]?.s ?? '');
  const [rows] = await db.execute<mysql.RowDataPacket[]>(
    `select column_name as name, data_type as type from information_schema.columns
      where table_schema = ? and table_name = ? order by ordinal_position`,
    [schema, name.table],
  );
  if (rows.length === 0) {
    const message = `no table "${name.table}" in database "${schema}" (or no privilege to see it)`;
    throw new InvalidInputError(`MySQL: ${message}.`, { problems: [{ pointer, message }] });
  }
  const [indexes] = await db.execute<mysql.RowDataPacket[]>(
    `select index_name as i, min(column_name) as c from information_schema.statistics
      where table_schema = ? and table_name = ? and non_unique = 0
      group by index_name having count(*) = 1`,
    [schema, name.table],
  );
  const columns = new Map(rows.map((r) => [String(r.name), String(r.type)]));
  return {
    sql: `${quoteIdent(schema)}.${quoteIdent(name.table)}`,
    name: `${schema}.${name.table}`,
    columns,
    uniqueColumns: new Set(indexes.map((r) => String(r.c))),
    column(column, at) {
      if (columns.has(column)) return quoteIdent(column);
      const message = `no column "${column}" in "${schema}"."${name.table}" (columns: ${[...columns.keys()].join(', ')})`;
      throw new InvalidInputError(`MySQL: ${message}.`, { problems: [{ pointer: at, message }] });
    },
  };
}
