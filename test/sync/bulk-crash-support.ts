import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { type Child, repoRoot, startNode } from '../support/child-process.js';
import { TEST_SECRET_KEY } from '../support/start-junction.js';
import { createErpTable, crmTableSql } from './bulk-support.js';
import { maria, tableName, type useSyncJunction } from './sync-support.js';

// Worker processes run the built dist: `npx tsc -b` first.
const script = path.join(repoRoot, 'test/fixtures/worker-process.mjs');

/**
 * For a test that kills a backfill's or reconciliation's worker: a CRM table of `records`
 * contacts (`k<n>@example.com`, "Kept <n>"), an empty ERP table, and Junction worker processes
 * (test/fixtures/worker-process.mjs) on the test Junction's database with pages of `pageSize`,
 * started by the test; every one is killed and the tables dropped after the file.
 */
export function useBulkCrash(
  s: ReturnType<typeof useSyncJunction>,
  options: {
    readonly name: string;
    readonly records: number;
    readonly pageSize: number;
    /** Whether MariaDB answers (`mariadbAvailable`): without it the tables are not made. */
    readonly available: boolean;
  },
) {
  const crm = tableName(`${options.name}_crm`);
  const erp = tableName(`${options.name}_erp`);
  const children: Child[] = [];
  let dataDir: string;
  beforeAll(async () => {
    if (!options.available) return;
    dataDir = await mkdtemp(path.join(os.tmpdir(), `junction-${options.name}-`));
    await s.pg(crmTableSql(crm));
    await createErpTable(erp);
    await s.pg(
      `insert into ${crm} (email, full_name) select 'k' || g || '@example.com', 'Kept ' || g
       from generate_series(1, $1::int) g`,
      [options.records],
    );
  });
  afterAll(async () => {
    for (const child of children) child.process.kill('SIGKILL');
    await Promise.allSettled(children.map((c) => c.exited(10_000)));
    if (options.available) await maria(`drop table if exists ${erp}`);
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });
  return {
    crm,
    erp,
    /** Starts a worker process; wait for its "ready" line. */
    startWorker(): Child {
      const child = startNode([script], {
        DATABASE_URL: s.t.database.url,
        JUNCTION_SECRET_KEY: TEST_SECRET_KEY,
        JUNCTION_DATA_DIR: dataDir,
        JUNCTION_WORKER_POLL_INTERVAL_MS: '100',
        JUNCTION_WORKER_HEARTBEAT_MS: '200',
        JUNCTION_WORKER_REAP_INTERVAL_MS: '300',
        JUNCTION_WORKER_DEAD_AFTER_MS: '1500',
        JUNCTION_SHUTDOWN_TIMEOUT_MS: '2000',
        JUNCTION_DB_POOL_SIZE: '5',
        JUNCTION_SYNC_PAGE_SIZE: String(options.pageSize),
      });
      children.push(child);
      return child;
    },
  };
}
