import {
  defineAction,
  defineConnector,
  defineCustomAuth,
  field,
  type JsonObject,
} from '@junction/connector-kit';
import pg from 'pg';

/**
 * A bench-only connector with the postgres plugin's `upsert-row` contract (same input and
 * output fields) that keeps one pool per connection string and caches each table's columns,
 * instead of opening a connection and reading information_schema on every call. Running the
 * bench integration through it shows what Junction's own layers cost, without the plugin's
 * per-call connection.
 */
const pools = new Map<string, pg.Pool>();
const columnsOf = new Map<string, Promise<Set<string>>>();

function poolFor(connectionString: string): pg.Pool {
  let pool = pools.get(connectionString);
  if (!pool) {
    pool = new pg.Pool({ connectionString, max: 20 });
    pool.on('error', () => {});
    pools.set(connectionString, pool);
  }
  return pool;
}

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

const upsertRow = defineAction({
  key: 'upsert-row',
  name: 'Upsert row (pooled)',
  description: 'Inserts the row with this key, or updates its columns when the key exists.',
  kind: 'upsert',
  idempotent: true,
  upsertKey: 'key',
  input: {
    schema: field.string({ required: false, default: 'public' }),
    table: field.string(),
    keyColumn: field.string({ default: 'id' }),
    key: field.string(),
    values: field.json({ type: 'object' }),
  },
  output: { created: field.boolean(), row: field.json({ type: 'object' }) },
  sample: { created: true, row: { id: '1' } },
  async run(ctx, input) {
    const pool = poolFor(String(ctx.credentials.connectionString));
    const schema = input.schema ?? 'public';
    const tableKey = `${ctx.credentials.connectionString}\u0000${schema}.${input.table}`;
    let columns = columnsOf.get(tableKey);
    if (!columns) {
      columns = pool
        .query<{ column_name: string }>(
          'select column_name from information_schema.columns where table_schema = $1 and table_name = $2',
          [schema, input.table],
        )
        .then((r) => new Set(r.rows.map((row) => row.column_name)));
      columnsOf.set(tableKey, columns);
    }
    const known = await columns;
    const values = input.values as JsonObject;
    const names = Object.keys(values).filter((n) => n !== input.keyColumn && known.has(n));
    const all = [input.keyColumn, ...names].map(quote);
    const result = await pool.query<{ row: JsonObject; created: boolean }>(
      `insert into ${quote(schema)}.${quote(input.table)} as r (${all.join(', ')})
       values (${all.map((_, i) => `$${i + 1}`).join(', ')})
       on conflict (${quote(input.keyColumn)}) do update set ${names.map((n) => `${quote(n)} = excluded.${quote(n)}`).join(', ')}
       returning row_to_json(r) as row, (r.xmax = 0) as created`,
      [input.key, ...names.map((n) => values[n])],
    );
    const row = result.rows[0];
    return { created: row?.created === true, row: row?.row ?? {} };
  },
});

export const pooledPostgres = defineConnector({
  id: 'bench-postgres-pooled',
  name: 'PostgreSQL (pooled, bench)',
  description: 'The postgres upsert-row action over a kept pool, for the end-to-end bench.',
  version: '0.1.0',
  contract: '^1.1.0',
  auth: defineCustomAuth({
    kind: 'custom',
    description: 'A connection string.',
    fields: { connectionString: field.string({ secret: true }) },
  }),
  actions: [upsertRow],
});
