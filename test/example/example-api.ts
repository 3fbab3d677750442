import path from 'node:path';
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
    const json = (await res.json()) as Answer;
    if (!res.ok)
      throw new Error(`${method} ${path} answered ${res.status}: ${JSON.stringify(json)}`);
    return { json, etag: res.headers.get('etag') ?? '' };
  };
}

/**
 * Runs an example from the command line against a running Junction: JUNCTION_URL (default
 * http://127.0.0.1:3000), JUNCTION_TOKEN (the admin token printed on first start),
 * ERP_DATABASE_URL (default: the embedded PostgreSQL under JUNCTION_DATA_DIR). A problem is one
 * sentence and a non-zero exit.
 */
export function runExampleCli(run: (options: ExampleOptions) => Promise<unknown>, done: string) {
  const token = process.env.JUNCTION_TOKEN ?? process.env.JUNCTION_ADMIN_TOKEN;
  if (!token) {
    console.error('Set JUNCTION_TOKEN to the admin token Junction printed on first start.');
    process.exit(2);
  }
  let erpDatabaseUrl: string;
  try {
    erpDatabaseUrl =
      process.env.ERP_DATABASE_URL ??
      embeddedDatabaseUrl(path.resolve(process.env.JUNCTION_DATA_DIR ?? '.junction'));
  } catch (error) {
    console.error((error as Error).message);
    process.exit(2);
  }
  run({ url: process.env.JUNCTION_URL ?? 'http://127.0.0.1:3000', token, erpDatabaseUrl }).then(
    () => console.log(done),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : String(error));
      process.exit(1);
    },
  );
}
