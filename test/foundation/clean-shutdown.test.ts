import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiOf, requesterAt } from '../support/api.js';
import { repoRoot, startNode } from '../support/child-process.js';
import { createRelayIntegration, startSlowTarget } from '../support/relay-integration.js';
import { TEST_SECRET_KEY } from '../support/start-junction.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { until } from '../support/until.js';

const cli = path.join(repoRoot, 'core/dist/cli/main.js');
const TOKEN = 'clean-shutdown-admin-token-0123456789';
let database: TestDatabase;
let dataDir: string;
let target: Awaited<ReturnType<typeof startSlowTarget>>;

beforeAll(async () => {
  database = await createTestDatabase();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'junction-clean-shutdown-'));
  target = await startSlowTarget(1500);
});
afterAll(async () => {
  await target?.close();
  await database?.drop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

/** Lines a JSON logger wrote at error level (50) or above. */
const errorLines = (output: string) =>
  output.split('\n').filter((line) => /^\{.*"level":(5|6)\d\b/.test(line));

describe('a graceful shutdown', () => {
  it('logs no error line when nothing failed, even with fetched jobs waiting behind busy workers', async () => {
    const junction = startNode([cli, 'start'], {
      DATABASE_URL: database.url,
      PORT: '0',
      JUNCTION_DATA_DIR: dataDir,
      JUNCTION_ADMIN_TOKEN: TOKEN,
      JUNCTION_SECRET_KEY: TEST_SECRET_KEY,
      LOG_LEVEL: 'info',
      // Two steps run; the local queue holds two more fetched jobs that wait for a free worker.
      JUNCTION_WORKER_CONCURRENCY: '2',
      JUNCTION_WORKER_LOCAL_QUEUE_SIZE: '4',
      JUNCTION_SHUTDOWN_TIMEOUT_MS: '20000',
    });
    try {
      const [, url] = await junction.waitFor(/listening on (http:\/\/\S+)/, 60_000);
      const api = apiOf(requesterAt(url as string, TOKEN));
      const hook = await createRelayIntegration(api, target.url);
      for (let i = 0; i < 10; i++) {
        const res = await fetch(`${url}${hook}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ id: `e-${i}` }),
        });
        expect(res.status).toBe(202);
      }
      await until(async () => target.requests.length >= 2);

      junction.process.kill('SIGTERM');
      expect(await junction.exited(30_000)).toEqual({ code: 0, signal: null });
      expect(junction.output()).toContain('Junction stopped');
      expect(errorLines(junction.output())).toEqual([]);

      // The steps in flight finished and were stored; the fetched jobs went back, unlocked.
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      try {
        const runs = await client.query<{ id: string; state: string }>(
          `select e.source_record as id, r.state from runs r join events e on e.id = r.event_id`,
        );
        const succeeded = runs.rows.filter((r) => r.state === 'succeeded').map((r) => r.id);
        expect(succeeded.length).toBeGreaterThanOrEqual(2);
        expect(runs.rows.filter((r) => !['succeeded', 'queued'].includes(r.state))).toEqual([]);
        for (const id of succeeded) expect(target.received(id)).toBe(1);
        expect(target.requests.every((r) => r.answered)).toBe(true);
        const locked = await client.query(
          'select id from graphile_worker._private_jobs where locked_by is not null',
        );
        expect(locked.rows).toEqual([]);
      } finally {
        await client.end();
      }
    } finally {
      junction.process.kill('SIGKILL');
    }
  });
});
