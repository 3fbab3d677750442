import { randomBytes } from 'node:crypto';
import path from 'node:path';
import pg from 'pg';
import { dataFolderOwner } from '../../core/src/data-folder/data-folder-lock.js';
import { embeddedDatabaseUrl } from './embedded-database-url.js';

/** What every example is given: where Junction is, a token, the ERP database, a log. */
export interface ExampleOptions {
  /** Junction's base URL, e.g. http://127.0.0.1:3000 */
  readonly url: string;
  /** An API token with the admin role. */
  readonly token: string;
  /** The ERP database (any PostgreSQL); the example creates its table there. */
  readonly erpDatabaseUrl: string;
  readonly log?: (line: string) => void;
}

// biome-ignore lint/suspicious/noExplicitAny: the examples read whatever JSON the API answers.
export type Answer = Record<string, any>;

/** JSON calls to Junction's API with a bearer token; a non-2xx answer throws with its problem. */
export function exampleApi(url: string, defaultToken: string) {
  return async (
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
    token = defaultToken,
  ) => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (res.status === 204 ? {} : await res.json()) as Answer;
    if (!res.ok)
      throw new Error(`${method} ${path} answered ${res.status}: ${JSON.stringify(json)}`);
    return { json, etag: res.headers.get('etag') ?? '' };
  };
}

/**
 * Runs an example from the command line against a running Junction: JUNCTION_URL (default: the
 * address of the Junction running with the data folder JUNCTION_DATA_DIR, else
 * http://127.0.0.1:3000), JUNCTION_TOKEN (the admin token printed on first start),
 * ERP_DATABASE_URL (default: a database `junction_example_erp` on the embedded PostgreSQL of that
 * data folder, made if absent: Junction's own database is out of its connectors' reach). A
 * problem is one sentence and a non-zero exit.
 */
export function runExampleCli(run: (options: ExampleOptions) => Promise<unknown>, done: string) {
  const token = process.env.JUNCTION_TOKEN ?? process.env.JUNCTION_ADMIN_TOKEN;
  if (!token) {
    console.error('Set JUNCTION_TOKEN to the admin token Junction printed on first start.');
    process.exit(2);
  }
  const dataDir = path.resolve(process.env.JUNCTION_DATA_DIR ?? '.junction');
  const url =
    process.env.JUNCTION_URL ?? dataFolderOwner(dataDir)?.apiUrl ?? 'http://127.0.0.1:3000';
  const prepare = async (): Promise<ExampleOptions> => {
    const erpDatabaseUrl =
      process.env.ERP_DATABASE_URL ?? (await exampleDatabase(embeddedDatabaseUrl(dataDir)));
    try {
      await fetch(`${url}/healthz`);
    } catch (error) {
      throw new Error(
        `Cannot reach Junction at ${url} (${(error as Error).cause ?? (error as Error).message}): start it with npm start, or set JUNCTION_URL to its address.`,
      );
    }
    return { url, token, erpDatabaseUrl };
  };
  prepare()
    .then((options) => run(options))
    .then(
      () => console.log(done),
      (error: unknown) => {
        console.error(error instanceof Error ? error.message : String(error));
        process.exit(1);
      },
    );
}

/**
 * A database of the examples' own on the server of `serverUrl`, owned by a role of its own (a new
 * password each run), both created if absent: the ERP connection never holds Junction's role.
 */
async function exampleDatabase(serverUrl: string): Promise<string> {
  const name = 'junction_example_erp';
  const password = randomBytes(18).toString('base64url');
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    const role = await client.query('select 1 from pg_roles where rolname = $1', [name]);
    const verb = role.rowCount ? 'alter' : 'create';
    await client.query(`${verb} role ${name} login password '${password}'`);
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (!rowCount) await client.query(`create database ${name} owner ${name}`);
    else await client.query(`alter database ${name} owner to ${name}`);
  } finally {
    await client.end();
  }
  const parsed = new URL(serverUrl);
  parsed.pathname = `/${name}`;
  parsed.username = name;
  parsed.password = password;
  return parsed.toString();
}
