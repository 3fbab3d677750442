import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { createToken } from '../audit/audit-support.js';
import { browserMissing } from '../support/browser.js';
import { syncFixture } from '../sync/sync-engine-support.js';
import { mariadbAvailable, useSyncJunction } from '../sync/sync-support.js';
import { signedInBrowser } from './console-client.js';

interface People {
  readonly operator: { id: string; token: string };
  readonly viewer: { id: string; token: string };
  readonly browser: Browser;
  /** A page signed in as the operator. */
  readonly page: Page;
}

/**
 * What the console's sync tests share: a Junction serving the API only (no worker takes the
 * jobs; each test runs syncs, backfills and reconciliations itself, one at a time, as the sync
 * engine's tests do), the CRM/ERP fixture, an operator and a viewer token with a browser page
 * signed in as the operator, and whether the tests must be skipped (no Chromium, no MariaDB),
 * said once. Call it at the top of a test file.
 */
export async function useSyncConsole() {
  const missing = browserMissing();
  if (missing) console.warn(missing);
  const skip = missing !== undefined || !(await mariadbAvailable());
  const s = useSyncJunction({ JUNCTION_ROLE: 'api' });
  let people: People | undefined;
  beforeAll(async () => {
    if (skip) return;
    const operator = await createToken(s.t, 'operator');
    const viewer = await createToken(s.t, 'viewer');
    people = { operator, viewer, ...(await signedInBrowser(s.t.url, operator.token)) };
  });
  afterAll(async () => {
    await people?.browser.close();
  });
  const query = async (text: string, values: unknown[] = []) =>
    (await s.t.junction.database.pool.query(text, values)).rows;
  return {
    s,
    f: syncFixture(s),
    skip,
    get people() {
      return people as People;
    },
    /** A statement on Junction's database; its rows. */
    query,
    /** `select count(*) from <from>`. */
    count: async (from: string, values: unknown[] = []) =>
      (await query(`select count(*)::int as n from ${from}`, values))[0].n as number,
  };
}
