import mysql from 'mysql2/promise';
import pg from 'pg';
import { type Answer, type ExampleOptions, exampleApi } from './example-api.js';

/**
 * The README's two-way sync example: a PostgreSQL "CRM" contacts table and a MariaDB "ERP"
 * customers table kept in agreement by a sync (docs/sync.md). Everything goes through the HTTP
 * API; the tables are edited directly, as the people using each system would.
 */

export interface SyncExampleOptions extends ExampleOptions {
  /** The ERP's MariaDB (default mysql://root@127.0.0.1:3306/test). */
  readonly mariadbUrl?: string;
  /** Table names (default crm_contacts and erp_customers); tests give their own. */
  readonly tables?: { readonly crm: string; readonly erp: string };
}

export const SYNC_EXAMPLE_NAME = 'CRM contacts <-> ERP customers (example)';
const DEFAULT_MARIADB = 'mysql://root@127.0.0.1:3306/test';
const WAIT_MS = 60_000;

type Row = Record<string, unknown>;

export async function runSyncExample(options: SyncExampleOptions) {
  const log = options.log ?? ((line: string) => console.log(line));
  const api = exampleApi(options.url, options.token);
  const { crm: crmTable, erp: erpTable } = options.tables ?? {
    crm: 'crm_contacts',
    erp: 'erp_customers',
  };
  const mariadb = mariadbCredentials(options.mariadbUrl ?? DEFAULT_MARIADB);
  const erp = await connectMariadb(mariadb);
  const crm = new pg.Client({ connectionString: options.erpDatabaseUrl });
  await crm.connect();
  try {
    await removeEarlierRuns(api);

    log(
      `1. Two systems of record: ${crmTable} in PostgreSQL (the CRM), ${erpTable} in MariaDB (the ERP)`,
    );
    await crm.query(`drop table if exists ${crmTable}`);
    await crm.query(`create table ${crmTable} (id serial primary key, email text not null,
      full_name text, phone text, updated_at timestamptz not null default now())`);
    await erp.query(`drop table if exists ${erpTable}`);
    await erp.query(`create table ${erpTable} (id int auto_increment primary key,
      email varchar(200) not null, name varchar(200), phone varchar(50),
      updated_at timestamp(3) not null default current_timestamp(3) on update current_timestamp(3))`);
    await crm.query(`insert into ${crmTable} (email, full_name, phone) values
      ('ada@example.com', 'Ada Lovelace', '+44 20 1111'), ('grace@example.com', 'Grace Hopper', '+1 212 2222')`);
    await erp.query(
      `insert into ${erpTable} (email, name, phone) values ('alan@example.com', 'Alan Turing', '+44 161 3333')`,
    );
    const crmRows = () =>
      crm
        .query(`select id, email, full_name, phone from ${crmTable} order by email`)
        .then((r) => r.rows as Row[]);
    const erpRows = async () =>
      (
        await erp.query(`select id, email, name, phone from ${erpTable} order by email`)
      )[0] as Row[];

    log('2. Connections: the CRM database (postgres) and the ERP database (mysql)');
    const crmConnection = await api('POST', '/v1/connections', {
      name: 'Example CRM (PostgreSQL)',
      connector: 'postgres',
      credentials: { connectionString: options.erpDatabaseUrl },
    });
    const erpConnection = await api('POST', '/v1/connections', {
      name: 'Example ERP (MariaDB)',
      connector: 'mysql',
      credentials: mariadb,
    });

    log('3. The sync: both ways, a mapping per direction, conflicts parked, deletes carried over');
    const created = await api('POST', '/v1/syncs', {
      name: SYNC_EXAMPLE_NAME,
      a: {
        connector: 'postgres',
        connection: crmConnection.json.id,
        recordType: 'table_row',
        settings: { table: crmTable, keyColumn: 'id', modifiedAtColumn: 'updated_at' },
      },
      b: {
        connector: 'mysql',
        connection: erpConnection.json.id,
        recordType: 'table_row',
        settings: { table: erpTable, keyColumn: 'id', modifiedAtColumn: 'updated_at' },
      },
      direction: 'both',
      mappings: {
        aToB: {
          values: {
            object: [
              ['email', { var: 'record.values.email' }],
              ['name', { var: 'record.values.full_name' }],
              ['phone', { var: 'record.values.phone' }],
            ],
          },
        },
        bToA: {
          values: {
            object: [
              ['email', { var: 'record.values.email' }],
              ['full_name', { var: 'record.values.name' }],
              ['phone', { var: 'record.values.phone' }],
            ],
          },
        },
      },
      match: { a: 'values.email', b: 'values.email' },
      conflict: { policy: 'park' },
      deletes: { policy: 'delete' },
      intervalSeconds: 1,
      deleteScanSeconds: 2,
    });
    const syncId = created.json.id as string;
    const enabled = await api('POST', `/v1/syncs/${syncId}/enable`, undefined, {
      'if-match': created.etag,
    });
    let etag = enabled.etag;
    log(
      `   ${syncId} enabled: backfill ${enabled.json.backfill?.id} lists both sides from the beginning, then every second it reads what changed on each side`,
    );

    const wait = async <T>(what: string, probe: () => Promise<T | undefined>): Promise<T> => {
      const deadline = Date.now() + WAIT_MS;
      while (Date.now() < deadline) {
        const value = await probe();
        if (value !== undefined) return value;
        await new Promise((r) => setTimeout(r, 200));
      }
      throw new Error(`${what} did not happen within ${WAIT_MS / 1000} s`);
    };
    const erpRow = (email: string, check: (r: Row) => boolean) =>
      wait(`${email} reaching the ERP`, async () =>
        (await erpRows()).find((r) => r.email === email && check(r)),
      );
    const crmRow = (email: string, check: (r: Row) => boolean) =>
      wait(`${email} reaching the CRM`, async () =>
        (await crmRows()).find((r) => r.email === email && check(r)),
      );

    log('4. The backfill links the records both hold (by email) and creates what each side lacks');
    await erpRow('grace@example.com', () => true);
    await erpRow('ada@example.com', () => true);
    await crmRow('alan@example.com', () => true);
    log(`   CRM: ${(await crmRows()).map((r) => r.email).join(', ')}`);
    log(`   ERP: ${(await erpRows()).map((r) => r.email).join(', ')}`);

    log('5. An edit in the CRM arrives in the ERP; an edit in the ERP arrives in the CRM');
    await crm.query(
      `update ${crmTable} set full_name = 'Ada King', updated_at = now() where email = 'ada@example.com'`,
    );
    const adaInErp = await erpRow('ada@example.com', (r) => r.name === 'Ada King');
    log(`   ERP now: ${JSON.stringify(pick(adaInErp, ['email', 'name', 'phone']))}`);
    await erp.query(
      `update ${erpTable} set phone = '+44 161 9999' where email = 'alan@example.com'`,
    );
    const alanInCrm = await crmRow('alan@example.com', (r) => r.phone === '+44 161 9999');
    log(`   CRM now: ${JSON.stringify(pick(alanInCrm, ['email', 'full_name', 'phone']))}`);

    log('6. Both sides edit Grace while the sync is off: a conflict, parked');
    etag = (await api('POST', `/v1/syncs/${syncId}/disable`, undefined, { 'if-match': etag })).etag;
    await crm.query(
      `update ${crmTable} set phone = '+1 212 5555', updated_at = now() where email = 'grace@example.com'`,
    );
    await erp.query(
      `update ${erpTable} set name = 'Rear Adm. Grace Hopper' where email = 'grace@example.com'`,
    );
    etag = (await api('POST', `/v1/syncs/${syncId}/enable`, undefined, { 'if-match': etag })).etag;
    const conflict = await wait('the conflict being parked', async () => {
      const open = await api('GET', `/v1/syncs/${syncId}/conflicts?state=open`);
      return (open.json.data as Answer[])[0];
    });
    log(
      `   ${conflict.id}: CRM has ${JSON.stringify(pick(conflict.a.values, ['full_name', 'phone']))}, ERP has ${JSON.stringify(pick(conflict.b.values, ['name', 'phone']))}`,
    );

    log('7. Resolved with a merged record (the ERP name, the CRM phone), written to both sides');
    const resolved = await api('POST', `/v1/syncs/${syncId}/conflicts/${conflict.id}/resolve`, {
      side: 'a',
      record: { values: { full_name: 'Rear Adm. Grace Hopper', phone: '+1 212 5555' } },
    });
    const merged = (r: Row) => r.phone === '+1 212 5555';
    const graceInCrm = await crmRow(
      'grace@example.com',
      (r) => merged(r) && r.full_name === 'Rear Adm. Grace Hopper',
    );
    const graceInErp = await erpRow(
      'grace@example.com',
      (r) => merged(r) && r.name === 'Rear Adm. Grace Hopper',
    );
    log(
      `   ${resolved.json.state}: CRM ${JSON.stringify(pick(graceInCrm, ['full_name', 'phone']))}, ERP ${JSON.stringify(pick(graceInErp, ['name', 'phone']))}`,
    );

    log('8. Alan is deleted in the CRM: the sync deletes him in the ERP');
    await crm.query(`delete from ${crmTable} where email = 'alan@example.com'`);
    await wait('the delete reaching the ERP', async () =>
      (await erpRows()).some((r) => r.email === 'alan@example.com') ? undefined : true,
    );
    const final = { crm: await crmRows(), erp: await erpRows() };
    log(`   CRM: ${final.crm.map((r) => `${r.email} (${r.full_name}, ${r.phone})`).join('; ')}`);
    log(`   ERP: ${final.erp.map((r) => `${r.email} (${r.name}, ${r.phone})`).join('; ')}`);
    return { syncId, conflictId: conflict.id as string, ...final };
  } finally {
    await crm.end();
    await erp.end();
  }
}

/**
 * Earlier runs' syncs (same name) are disabled and deleted: they would keep syncing the tables
 * this run makes again.
 */
async function removeEarlierRuns(api: ReturnType<typeof exampleApi>) {
  const earlier: Answer[] = [];
  let cursor: string | null = null;
  do {
    const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
    const { json } = await api('GET', `/v1/syncs?limit=100${query}`);
    earlier.push(...(json.data as Answer[]).filter((s) => s.name === SYNC_EXAMPLE_NAME));
    cursor = json.nextCursor ?? null;
  } while (cursor);
  for (const sync of earlier) {
    let { etag } = await api('GET', `/v1/syncs/${sync.id}`);
    if (sync.enabled)
      etag = (await api('POST', `/v1/syncs/${sync.id}/disable`, undefined, { 'if-match': etag }))
        .etag;
    await api('DELETE', `/v1/syncs/${sync.id}`, undefined, { 'if-match': etag });
  }
}

/** The mysql connector's credentials from a mysql:// URL. */
function mariadbCredentials(url: string) {
  const u = new URL(url);
  return {
    host: u.hostname,
    port: Number(u.port || 3306),
    user: decodeURIComponent(u.username || 'root'),
    password: decodeURIComponent(u.password),
    database: u.pathname.replace(/^\//, '') || 'test',
  };
}

async function connectMariadb(credentials: ReturnType<typeof mariadbCredentials>) {
  try {
    const db = await mysql.createConnection({ ...credentials, connectTimeout: 3_000 });
    await db.query("set time_zone = '+00:00'");
    return db;
  } catch (error) {
    throw new Error(
      `MariaDB is not reachable at ${credentials.host}:${credentials.port} as ${credentials.user} (${(error as Error).message}): start it, or set MARIADB_URL (mysql://user:password@host:3306/database).`,
    );
  }
}

const pick = (row: Row | undefined, keys: readonly string[]) =>
  Object.fromEntries(keys.map((k) => [k, row?.[k]]));
