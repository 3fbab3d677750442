import { InvalidInputError } from './errors.js';
import { field, type JsonObject, type JsonValue } from './field.js';
import { defineRecordType, type RecordTypeDefinition } from './record-type.js';
import type { RunContext } from './run-context.js';
import type { SqlLedgerDialect } from './sql-ledger.js';

/**
 * What a SQL record store needs of a database session: one statement at a time, its rows, the
 * number of rows it changed and, for MySQL, the first id an insert generated. Adapt a driver's
 * client to it (node-postgres: `rowCount`; mysql2: `affectedRows`, `insertId`).
 *
 * @example
 * ```ts
 * const session: SqlRecordSession = {
 *   query: async (text, values) => {
 *     const r = await client.query(text, values);
 *     return { rows: r.rows, changed: r.rowCount ?? 0 };
 *   },
 * };
 * ```
 */
export interface SqlRecordSession {
  query(
    text: string,
    values: readonly unknown[],
  ): Promise<{ rows: readonly Record<string, unknown>[]; changed: number; insertId?: number }>;
}

/**
 * A row of a table as a record: its key (as text), its modified-at instant (ISO 8601, when the
 * table has that column) and every column's value.
 *
 * @example
 * ```ts
 * const row: SqlRecord = { key: '42', modifiedAt: '2026-01-01T00:00:00.000Z', values: { id: 42, name: 'Ann' } };
 * ```
 */
export interface SqlRecord {
  readonly key: string;
  readonly modifiedAt?: string | null;
  readonly values: JsonObject;
}

/**
 * The fields of a table row record type (see {@link SqlRecord}).
 *
 * @example
 * ```ts
 * defineRecordType({ name: 'row', fields: sqlRecordFields, key: 'key', updatedAt: 'modifiedAt' });
 * ```
 */
export const sqlRecordFields = {
  key: field.string({ description: 'The key column, as text.' }),
  modifiedAt: field.dateTime({
    required: false,
    nullable: true,
    description: 'The modified-at column, when the table has one.',
  }),
  values: field.json({ type: 'object', description: 'Every column of the row.' }),
} as const;

const IDENTIFIER = '^[A-Za-z_][A-Za-z0-9_$]{0,62}$';
const TABLE = '^[A-Za-z_][A-Za-z0-9_$]{0,62}(\\.[A-Za-z_][A-Za-z0-9_$]{0,62})?$';
const IDENTIFIER_RE = new RegExp(IDENTIFIER);
const TABLE_RE = new RegExp(TABLE);

/**
 * The settings of a table row record type: the table, its key column and modified-at column.
 *
 * @example
 * ```ts
 * validateFields(sqlRecordSettings, { table: 'crm.contacts', keyColumn: 'id', modifiedAtColumn: 'updated_at' });
 * ```
 */
export const sqlRecordSettings = {
  table: field.string({ pattern: TABLE, label: 'Table', description: 'table or schema.table' }),
  keyColumn: field.string({
    pattern: IDENTIFIER,
    label: 'Key column',
    description: 'A unique column (usually the primary key); pages are read in its order.',
  }),
  modifiedAtColumn: field.string({
    required: false,
    pattern: IDENTIFIER,
    label: 'Modified-at column',
    description: 'Set to the current time on every write through Junction unless given.',
  }),
} as const;

/** Where a table row record type reads and writes. */
export interface SqlRecordStoreOptions {
  readonly dialect: SqlLedgerDialect;
  /** `table` or `schema.table`, plain identifiers. */
  readonly table: string;
  readonly keyColumn: string;
  readonly modifiedAtColumn?: string | undefined;
}

/** A column value as JSON: dates as ISO 8601 instants, bigints as text, bytes as base64. */
function toJson(value: unknown): JsonValue {
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'boolean':
      return value;
    case 'bigint':
      return value.toString();
    case 'undefined':
      return null;
  }
  if (value === null) return null;
  if (value instanceof Date) return value.toISOString();
  if (Buffer.isBuffer(value)) return value.toString('base64');
  if (Array.isArray(value)) return value.map(toJson);
  if (typeof value === 'object') return rowToJson(value as Record<string, unknown>);
  return value as JsonValue;
}

/**
 * Whether `row` is JSON as it is: a plain object whose members are strings, numbers,
 * booleans and nulls (most rows, timestamps read as text). Such a row needs no copy.
 */
function isJsonRow(row: Readonly<Record<string, unknown>>): boolean {
  if (Object.getPrototypeOf(row) !== Object.prototype) return false;
  for (const name in row) {
    if (!Object.hasOwn(row, name) || name === '__proto__') return false;
    const value = row[name];
    const type = typeof value;
    if (value !== null && type !== 'string' && type !== 'boolean' && type !== 'number')
      return false;
  }
  return true;
}

/** Each own enumerable member of `row` through {@link toJson} (no entry arrays per column). */
function rowToJson(row: Readonly<Record<string, unknown>>): JsonObject {
  const out: Record<string, JsonValue> = {};
  for (const name of Object.keys(row)) {
    // `__proto__` as a member name (a json column may hold one) stays a member.
    if (name === '__proto__')
      Object.defineProperty(out, name, {
        value: toJson(row[name]),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    else out[name] = toJson(row[name]);
  }
  return out;
}

/** Whether two lists of names are equal, in order. */
function sameNames(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Days of each month in a common year. */
const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const ISO_SHAPE = 'dddd-dd-ddTdd:dd:dd.dddZ';
/** {@link ISO_SHAPE} as character codes, -1 for a digit. */
const ISO_CODES = [...ISO_SHAPE].map((c) => (c === 'd' ? -1 : c.charCodeAt(0)));

/**
 * Whether `text` is a valid instant written as `Date#toISOString` writes it (years 0000-9999):
 * reading and writing it again would give it back unchanged.
 */
function isIsoInstant(text: string): boolean {
  if (text.length !== ISO_CODES.length) return false;
  for (let i = 0; i < ISO_CODES.length; i++) {
    const want = ISO_CODES[i] as number;
    const code = text.charCodeAt(i);
    if (want < 0 ? code < 48 || code > 57 : code !== want) return false;
  }
  // Two digits from `at` as a number (every 'd' is a digit by now).
  const two = (at: number) => (text.charCodeAt(at) - 48) * 10 + text.charCodeAt(at + 1) - 48;
  const year = two(0) * 100 + two(2);
  const month = two(5);
  const day = two(8);
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (month < 1 || month > 12 || day < 1) return false;
  if (day > (MONTH_DAYS[month - 1] as number) + (month === 2 && leap ? 1 : 0)) return false;
  return two(11) < 24 && two(14) < 60 && two(17) < 60;
}

function instant(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'string' && isIsoInstant(value)) return value;
  const text = String(value).replace(' ', 'T');
  // Already an instant as toISOString writes it (a PostgreSQL driver's, a MySQL one's with 'Z').
  if (isIsoInstant(text)) return text;
  if (text.length === 23 && isIsoInstant(`${text}Z`)) return `${text}Z`;
  const date = new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(text) ? text : `${text}Z`);
  return Number.isNaN(date.getTime()) ? String(value) : date.toISOString();
}

/** An ISO 8601 instant, checked and normalised (UTC, milliseconds). */
function sqlInstant(value: unknown, pointer: string): string {
  const date = new Date(typeof value === 'string' ? value : Number.NaN);
  if (Number.isNaN(date.getTime()))
    throw new InvalidInputError(`${JSON.stringify(value)} is not an ISO 8601 instant.`, {
      problems: [{ pointer, message: 'must be an ISO 8601 instant' }],
    });
  return date.toISOString();
}

/** The modified-at and key a `listChanged` page's `next` holds. */
function changePosition(after: string): [string, string] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(after);
  } catch {
    parsed = undefined;
  }
  if (!Array.isArray(parsed) || parsed.length !== 2 || typeof parsed[1] !== 'string')
    throw new InvalidInputError('The position to list changes after is not one this table gave.', {
      problems: [{ pointer: '/after', message: 'must be the `next` of a page' }],
    });
  return [parsed[0] as string, parsed[1]];
}

function checkName(name: string, pattern: RegExp, pointer: string): void {
  if (!pattern.test(name))
    throw new InvalidInputError(`"${name}" is not a plain SQL identifier.`, {
      problems: [{ pointer, message: 'must be a plain SQL identifier' }],
    });
}

/**
 * The statements of a table row record type, shared by the PostgreSQL and MySQL/MariaDB
 * connectors: keyset pages in key order (`where key > cursor order by key limit n`), reads by
 * key, and batched writes in one statement per batch (PostgreSQL: one
 * `json_populate_recordset` statement typed by the table's own row type; MySQL: multi-row
 * `insert ... values` and a multi-table `update ... join`), each batch in one transaction.
 * Identifiers are checked and quoted; values always travel as bind parameters.
 *
 * @example
 * ```ts
 * const store = createSqlRecordStore({ dialect: 'postgres', table: 'contacts', keyColumn: 'id' });
 * const page = await store.list(session, { limit: 100 });
 * ```
 */
export function createSqlRecordStore(options: SqlRecordStoreOptions) {
  checkName(options.table, TABLE_RE, '/table');
  checkName(options.keyColumn, IDENTIFIER_RE, '/keyColumn');
  if (options.modifiedAtColumn !== undefined)
    checkName(options.modifiedAtColumn, IDENTIFIER_RE, '/modifiedAtColumn');
  const postgres = options.dialect === 'postgres';
  const quote = (name: string) => (postgres ? `"${name}"` : `\`${name}\``);
  const table = options.table.split('.').map(quote).join('.');
  const keyName = options.keyColumn;
  const modName = options.modifiedAtColumn;
  const K = quote(keyName);
  const p = (n: number) => (postgres ? `$${n}` : '?');
  const now = postgres ? 'now()' : 'current_timestamp(3)';
  // PostgreSQL reads the zone of an ISO instant; MySQL compares its own UTC text.
  const instantParam = (value: unknown, pointer: string) => {
    const text = sqlInstant(value, pointer);
    return postgres ? text : text.replace('T', ' ').replace('Z', '');
  };

  const toRecord = (row: Record<string, unknown>): SqlRecord => {
    // The session's row is the record's values when it is JSON already: it is the session's to
    // give, and nothing here changes it.
    const values = isJsonRow(row) ? (row as JsonObject) : rowToJson(row);
    const key = String(row[keyName]);
    if (modName === undefined) return { key, values };
    // A date column is already an ISO instant in `values`: not converted twice.
    const modified = row[modName];
    const modifiedAt = modified instanceof Date ? (values[modName] as string) : instant(modified);
    return { key, modifiedAt, values };
  };

  /** Groups records by their set of columns (one statement per group), keeping positions. */
  function groups<T>(items: readonly T[], columnsOf: (item: T) => string[]) {
    const byShape = new Map<string, { columns: string[]; at: number[] }>();
    // Rows of a batch mostly list the same columns in the same order: such a row joins the
    // group of the row before it without sorting its names again.
    let last: { names: string[]; group: { columns: string[]; at: number[] } } | undefined;
    items.forEach((item, i) => {
      const names = columnsOf(item);
      if (last !== undefined && sameNames(names, last.names)) {
        last.group.at.push(i);
        return;
      }
      const columns = [...names].sort();
      const shape = columns.join(',');
      let group = byShape.get(shape);
      // Names are checked once a shape: a row with a column no row before it had makes a new
      // shape. A shape's names hold no comma, so a row joining to it with as many names has them.
      if (group === undefined || group.columns.length !== columns.length) {
        for (const c of columns) checkName(c, IDENTIFIER_RE, `/${i}/values/${c}`);
        group = { columns, at: [] };
        byShape.set(shape, group);
      }
      group.at.push(i);
      last = { names, group };
    });
    return [...byShape.values()];
  }

  /** MySQL sends JSON objects and arrays as JSON text. */
  const param = (value: unknown) =>
    !postgres && value !== null && typeof value === 'object' ? JSON.stringify(value) : value;

  /**
   * The columns a statement answers for a caller that reads only `fields` of each record (the
   * `createMany` option): the key column, and the modified-at column when `modifiedAt` is
   * named; `*` without the option or when `values` is named.
   */
  function answered(fields: readonly string[] | undefined): string {
    if (fields === undefined || fields.includes('values')) return '*';
    const wanted = [K];
    if (modName !== undefined && modName !== keyName && fields.includes('modifiedAt'))
      wanted.push(quote(modName));
    return wanted.join(', ');
  }

  async function byKeys(session: SqlRecordSession, keys: readonly string[], columns = '*') {
    const found = new Map<string, SqlRecord>();
    if (keys.length === 0) return found;
    const marks = keys.map((_, i) => p(i + 1)).join(', ');
    const { rows } = await session.query(
      `select ${columns} from ${table} where ${K} in (${marks})`,
      keys as unknown[],
    );
    for (const row of rows) {
      const record = toRecord(row);
      found.set(record.key, record);
    }
    return found;
  }

  /**
   * `work` on `statements` groups of rows as one: in a transaction, but for one PostgreSQL
   * statement, which is atomic on its own (two round trips fewer a batch; MySQL reads the rows
   * it wrote back with a second statement).
   */
  function atomically<T>(
    session: SqlRecordSession,
    statements: number,
    work: () => Promise<T>,
  ): Promise<T> {
    return postgres && statements === 1 ? work() : transaction(session, work);
  }

  async function transaction<T>(session: SqlRecordSession, work: () => Promise<T>): Promise<T> {
    await session.query('begin', []);
    try {
      const result = await work();
      await session.query('commit', []);
      return result;
    } catch (error) {
      await session.query('rollback', []).catch(() => {});
      throw error;
    }
  }

  async function insertGroup(
    session: SqlRecordSession,
    rows: readonly JsonObject[],
    columns: string[],
    returning: string,
  ): Promise<SqlRecord[]> {
    const stamp = modName !== undefined && !columns.includes(modName);
    const names = [...columns, ...(stamp ? [modName] : [])].map(quote).join(', ');
    if (postgres) {
      const picked = columns.map((c) => `r.${quote(c)}`);
      const select = [...picked, ...(stamp ? [now] : [])].join(', ');
      const text =
        columns.length === 0 && !stamp
          ? `insert into ${table} select from generate_series(1, $1) returning ${returning}`
          : `insert into ${table} (${names}) select ${select} from json_populate_recordset(null::${table}, $1::json) with ordinality r order by r.ordinality returning ${returning}`;
      const result = await session.query(text, [
        columns.length === 0 && !stamp ? rows.length : JSON.stringify(rows),
      ]);
      return result.rows.map(toRecord);
    }
    const values: unknown[] = [];
    const tuples = rows.map((row) => {
      const marks = columns.map((c) => {
        values.push(param(row[c] ?? null));
        return '?';
      });
      return `(${[...marks, ...(stamp ? [now] : [])].join(', ')})`;
    });
    const result = await session.query(
      `insert into ${table} (${names}) values ${tuples.join(', ')}`,
      values,
    );
    // The key given, or the generated ones: a multi-row insert takes consecutive ids.
    const keys = columns.includes(keyName)
      ? rows.map((row) => String(row[keyName]))
      : rows.map((_, i) => String((result.insertId ?? 0) + i));
    const found = await byKeys(session, keys, returning);
    return keys.map((key) => {
      const record = found.get(key);
      if (record === undefined)
        throw new Error(`The row ${key} inserted in ${table} is not there.`);
      return record;
    });
  }

  async function updateGroup(
    session: SqlRecordSession,
    rows: readonly JsonObject[],
    columns: string[],
  ): Promise<Map<string, SqlRecord>> {
    const set = columns.filter((c) => c !== keyName);
    const stamp = modName !== undefined && !set.includes(modName);
    const target = postgres ? '' : 't.';
    const assignments = [
      ...set.map((c) => `${postgres ? '' : 't.'}${quote(c)} = r.${quote(c)}`),
      ...(stamp ? [`${target}${quote(modName)} = ${now}`] : []),
    ];
    if (assignments.length === 0)
      assignments.push(`${target}${K} = ${postgres ? table : 't'}.${K}`);
    if (postgres) {
      const result = await session.query(
        `update ${table} set ${assignments.join(', ')} from json_populate_recordset(null::${table}, $1::json) r where ${table}.${K} = r.${K} returning ${table}.*`,
        [JSON.stringify(rows)],
      );
      return new Map(result.rows.map((row) => [String(row[keyName]), toRecord(row)]));
    }
    const values: unknown[] = [];
    const selects = rows.map((row, i) => {
      const cells = [keyName, ...set].map((c) => {
        values.push(param(row[c] ?? null));
        return i === 0 ? `? as ${quote(c)}` : '?';
      });
      return `select ${cells.join(', ')}`;
    });
    await session.query(
      `update ${table} t join (${selects.join(' union all ')}) r on t.${K} = r.${K} set ${assignments.join(', ')}`,
      values,
    );
    return byKeys(
      session,
      rows.map((row) => String(row[keyName])),
    );
  }

  return {
    /** The quoted table name the statements use. */
    table,
    /** A page in key order after `cursor`; `next` is absent on the last page. */
    async list(
      session: SqlRecordSession,
      page: { cursor?: string | undefined; limit: number },
    ): Promise<{ records: SqlRecord[]; next?: string }> {
      const limit = Math.max(1, Math.min(Math.trunc(page.limit), 10_000));
      const after = page.cursor === undefined ? '' : `where ${K} > ${p(1)} `;
      const values = page.cursor === undefined ? [limit + 1] : [page.cursor, limit + 1];
      const { rows } = await session.query(
        `select * from ${table} ${after}order by ${K} limit ${p(values.length)}`,
        values,
      );
      const records = rows.slice(0, limit).map(toRecord);
      const last = records.at(-1);
      return rows.length > limit && last !== undefined ? { records, next: last.key } : { records };
    },
    /**
     * Rows whose modified-at column is at or after `since`, in (modified-at, key) order, after
     * `after` (the `next` of the page before: the last row's modified-at and key). Needs the
     * modified-at column.
     */
    async listChanged(
      session: SqlRecordSession,
      page: { since?: string | undefined; after?: string | undefined; limit: number },
    ): Promise<{ records: SqlRecord[]; next?: string }> {
      if (modName === undefined)
        throw new InvalidInputError('Listing changes needs the modified-at column of the table.', {
          problems: [{ pointer: '/modifiedAtColumn', message: 'is required to list changes' }],
        });
      // Records carry the instant to the millisecond: PostgreSQL's microseconds are cut to match.
      const M = postgres ? `date_trunc('milliseconds', ${quote(modName)})` : quote(modName);
      const limit = Math.max(1, Math.min(Math.trunc(page.limit), 10_000));
      const where: string[] = [`${M} is not null`];
      const values: unknown[] = [];
      if (page.since !== undefined) {
        values.push(instantParam(page.since, '/since'));
        where.push(`${M} >= ${p(values.length)}`);
      }
      if (page.after !== undefined) {
        const [at, key] = changePosition(page.after);
        values.push(instantParam(at, '/after'), instantParam(at, '/after'), key);
        const [m1, m2, k] = [values.length - 2, values.length - 1, values.length].map(p);
        where.push(`(${M} > ${m1} or (${M} = ${m2} and ${K} > ${k}))`);
      }
      values.push(limit);
      const { rows } = await session.query(
        `select * from ${table} where ${where.join(' and ')} order by ${M}, ${K} limit ${p(values.length)}`,
        values,
      );
      const records = rows.map(toRecord);
      const last = records.at(-1);
      return last === undefined
        ? { records }
        : { records, next: JSON.stringify([last.modifiedAt, last.key]) };
    },
    /** The number of rows of the table (`select count(*)`: exact, read once). */
    async count(session: SqlRecordSession): Promise<number> {
      const { rows } = await session.query(`select count(*) as n from ${table}`, []);
      return Number(rows[0]?.n ?? 0);
    },
    /**
     * The rows whose column equals one of `values` (`field`: `key` for the key column, or
     * `values.<column>`), in no set order; other fields are refused as bad input.
     */
    async find(
      session: SqlRecordSession,
      query: { field: string; values: readonly string[] },
    ): Promise<SqlRecord[]> {
      const column =
        query.field === 'key'
          ? keyName
          : query.field.startsWith('values.')
            ? query.field.slice('values.'.length)
            : undefined;
      if (column === undefined)
        throw new InvalidInputError(
          `table_row records can be found by "key" or "values.<column>", not "${query.field}".`,
          { problems: [{ pointer: '/field', message: 'must be key or values.<column>' }] },
        );
      checkName(column, IDENTIFIER_RE, '/field');
      if (query.values.length === 0) return [];
      const marks = query.values.map((_, i) => p(i + 1)).join(', ');
      const { rows } = await session.query(
        `select * from ${table} where ${quote(column)} in (${marks})`,
        query.values as unknown[],
      );
      return rows.map(toRecord);
    },
    /** The row with this key, or `undefined`. */
    async get(session: SqlRecordSession, key: string): Promise<SqlRecord | undefined> {
      return (await byKeys(session, [key])).get(key);
    },
    /**
     * Inserts rows (`values` of each; the key column may be left to the database). With
     * `fields` (the record fields the caller reads), a record answers only its key and, when
     * `modifiedAt` is named, the modified-at column in `values`.
     */
    async createMany(
      session: SqlRecordSession,
      records: readonly { values?: JsonObject }[],
      fields?: readonly string[],
    ): Promise<SqlRecord[]> {
      if (
        fields !== undefined &&
        (!Array.isArray(fields) || fields.some((f) => typeof f !== 'string'))
      )
        throw new InvalidInputError('The fields to answer must be a list of field names.', {
          problems: [{ pointer: '/fields', message: 'must be an array of strings' }],
        });
      const returning = answered(fields);
      const rows = records.map((r) => r.values ?? {});
      if (rows.length === 0) return [];
      const out: SqlRecord[] = new Array(rows.length);
      const shapes = groups(rows, (row) => Object.keys(row));
      await atomically(session, shapes.length, async () => {
        for (const group of shapes) {
          const created = await insertGroup(
            session,
            group.at.map((i) => rows[i]!),
            group.columns,
            returning,
          );
          group.at.forEach((i, n) => {
            out[i] = created[n]!;
          });
        }
      });
      return out;
    },
    /** Changes the given columns of each row by key; `undefined` for a row that is not there. */
    async updateMany(
      session: SqlRecordSession,
      records: readonly { key?: string; values?: JsonObject }[],
    ): Promise<(SqlRecord | undefined)[]> {
      const rows = records.map((r, i) => {
        if (typeof r.key !== 'string')
          throw new InvalidInputError('An update needs the key of the row.', {
            problems: [{ pointer: `/${i}/key`, message: 'is required' }],
          });
        return { ...(r.values ?? {}), [keyName]: r.key };
      });
      if (rows.length === 0) return [];
      const out: (SqlRecord | undefined)[] = new Array(rows.length).fill(undefined);
      const shapes = groups(rows, (row) => Object.keys(row));
      await atomically(session, shapes.length, async () => {
        for (const group of shapes) {
          const found = await updateGroup(
            session,
            group.at.map((i) => rows[i]!),
            group.columns,
          );
          for (const i of group.at) out[i] = found.get(records[i]!.key!);
        }
      });
      return out;
    },
    /** Deletes rows by key; the keys that were there. */
    async deleteMany(session: SqlRecordSession, keys: readonly string[]): Promise<string[]> {
      if (keys.length === 0) return [];
      const marks = keys.map((_, i) => p(i + 1)).join(', ');
      if (postgres) {
        const { rows } = await session.query(
          `delete from ${table} where ${K} in (${marks}) returning ${K}`,
          keys as unknown[],
        );
        return rows.map((row) => String(row[keyName]));
      }
      return transaction(session, async () => {
        const { rows } = await session.query(
          `select ${K} from ${table} where ${K} in (${marks}) for update`,
          keys as unknown[],
        );
        await session.query(`delete from ${table} where ${K} in (${marks})`, keys as unknown[]);
        return rows.map((row) => String(row[keyName]));
      });
    },
  };
}

export type SqlRecordStore = ReturnType<typeof createSqlRecordStore>;

/**
 * The `table_row` record type of a SQL connector: any table, chosen by its settings (`table`,
 * `keyColumn`, `modifiedAtColumn`), with every capability (`count`: a `select count(*)`; `find`: by `key` or `values.<column>`). `withSession` runs work on a session
 * of the connection (the connector's pool, egress guard and error classification).
 *
 * @example
 * ```ts
 * export const tableRow = sqlTableRecordType('postgres', (ctx, work) =>
 *   withClient(ctx, ({ client }) => work({
 *     query: async (text, values) => {
 *       const r = await client.query(text, values as unknown[]);
 *       return { rows: r.rows, changed: r.rowCount ?? 0 };
 *     },
 *   })),
 * );
 * ```
 */
export function sqlTableRecordType(
  dialect: SqlLedgerDialect,
  withSession: <T>(ctx: RunContext, work: (session: SqlRecordSession) => Promise<T>) => Promise<T>,
): RecordTypeDefinition<typeof sqlRecordFields> {
  const stores = new Map<string, SqlRecordStore>();
  const storeFor = (ctx: RunContext) => {
    const s = ctx.settings;
    const options: SqlRecordStoreOptions = {
      dialect,
      table: String(s.table ?? ''),
      keyColumn: String(s.keyColumn ?? ''),
      modifiedAtColumn: typeof s.modifiedAtColumn === 'string' ? s.modifiedAtColumn : undefined,
    };
    const id = JSON.stringify(options);
    let store = stores.get(id);
    if (store === undefined) {
      store = createSqlRecordStore(options);
      if (stores.size > 100) stores.clear();
      stores.set(id, store);
    }
    return store;
  };
  const run = async <T>(
    ctx: RunContext,
    work: (store: SqlRecordStore, s: SqlRecordSession) => Promise<T>,
  ): Promise<T> => {
    // Settings are checked before any session is opened (a refusal is a rejected promise).
    const store = storeFor(ctx);
    return withSession(ctx, (session) => work(store, session));
  };
  return defineRecordType({
    name: 'table_row',
    description:
      'The rows of one table (settings: table, key column, modified-at column), read in pages in key order and written in batches.',
    fields: sqlRecordFields,
    key: 'key',
    updatedAt: 'modifiedAt',
    settings: sqlRecordSettings,
    list: (ctx, page) => run(ctx, (store, s) => store.list(s, page)),
    get: (ctx, key) => run(ctx, (store, s) => store.get(s, key)),
    create: (ctx, record) =>
      run(ctx, async (store, s) => (await store.createMany(s, [record]))[0]!),
    update: (ctx, record) => run(ctx, async (store, s) => (await store.updateMany(s, [record]))[0]),
    delete: (ctx, key) =>
      run(ctx, async (store, s) => (await store.deleteMany(s, [key])).length > 0),
    createMany: (ctx, records, options) =>
      run(ctx, (store, s) => store.createMany(s, records, options?.fields)),
    updateMany: (ctx, records) => run(ctx, (store, s) => store.updateMany(s, records)),
    deleteMany: (ctx, keys) => run(ctx, (store, s) => store.deleteMany(s, keys)),
    listChanged: (ctx, page) => run(ctx, (store, s) => store.listChanged(s, page)),
    count: (ctx) => run(ctx, (store, s) => store.count(s)),
    find: (ctx, query) => run(ctx, (store, s) => store.find(s, query)),
  });
}
