import { InvalidInputError } from '@junction/connector-kit';
import type mysql from 'mysql2/promise';
import type { Session } from './connect.js';
import type { TableShape } from './pool-registry.js';

/**
 * A table as the live database describes it: its quoted name, its columns (name to data type,
 * from information_schema, possibly cached for a minute) and the columns that alone form a unique index.
 *
 * @example
 * ```ts
 * const table = await loadTable(session, { table: 'contacts' }, '/table', { columns: ['email'] });
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
 * What a call needs of a table: the columns it names and, for an upsert, the column that must
 * carry a unique index of its own.
 */
export interface TableNeeds {
  readonly columns: readonly string[];
  readonly unique?: string;
}

/**
 * Describes a table (schema: the given one, else the connection's database) from its pool's
 * cache, reading information_schema when the cached description is missing, older than a minute,
 * or lacks something the call needs (a column it names, the unique index of the upsert key), so
 * a column or index added since is seen at once. Every name is still checked against the listed
 * columns. Refuses a table that does not exist with an `InvalidInputError` at `pointer`.
 *
 * @example
 * ```ts
 * const table = await loadTable(session, { table: 'contacts' }, '/table', { columns: ['email'] });
 * ```
 */
export async function loadTable(
  session: Session,
  name: { readonly schema?: string | undefined; readonly table: string },
  pointer: string,
  needs: TableNeeds,
): Promise<LiveTable> {
  const shape = await session.tables.read(
    `${name.schema ?? ''}\u0000${name.table}`,
    () => readShape(session.db, name, pointer),
    (cached) =>
      needs.columns.every((c) => cached.columns.has(c)) &&
      (needs.unique === undefined || cached.uniqueColumns.has(needs.unique)),
  );
  const { schema, columns } = shape;
  return {
    sql: `${quoteIdent(schema)}.${quoteIdent(name.table)}`,
    name: `${schema}.${name.table}`,
    columns,
    uniqueColumns: shape.uniqueColumns,
    column(column, at) {
      if (columns.has(column)) return quoteIdent(column);
      const message = `no column "${column}" in "${schema}"."${name.table}" (columns: ${[...columns.keys()].join(', ')})`;
      throw new InvalidInputError(`MySQL: ${message}.`, { problems: [{ pointer: at, message }] });
    },
  };
}

async function readShape(
  db: mysql.PoolConnection,
  name: { readonly schema?: string | undefined; readonly table: string },
  pointer: string,
): Promise<TableShape> {
  const [rows] = await db.execute<mysql.RowDataPacket[]>(
    `select coalesce(?, database()) as s, column_name as name, data_type as type
       from information_schema.columns
      where table_schema = coalesce(?, database()) and table_name = ? order by ordinal_position`,
    [name.schema ?? null, name.schema ?? null, name.table],
  );
  if (rows.length === 0) {
    const [current] = await db.execute<mysql.RowDataPacket[]>(
      'select coalesce(?, database()) as s',
      [name.schema ?? null],
    );
    const message = `no table "${name.table}" in database "${String(current[0]?.s ?? '')}" (or no privilege to see it)`;
    throw new InvalidInputError(`MySQL: ${message}.`, { problems: [{ pointer, message }] });
  }
  const schema = String(rows[0]?.s ?? '');
  const [indexes] = await db.execute<mysql.RowDataPacket[]>(
    `select index_name as i, min(column_name) as c from information_schema.statistics
      where table_schema = ? and table_name = ? and non_unique = 0
      group by index_name having count(*) = 1`,
    [schema, name.table],
  );
  return {
    schema,
    columns: new Map(rows.map((r) => [String(r.name), String(r.type)])),
    uniqueColumns: new Set(indexes.map((r) => String(r.c))),
  };
}
