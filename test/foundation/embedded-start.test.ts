import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot, startNode } from '../support/child-process.js';

const cli = path.join(repoRoot, 'core/dist/cli/main.js');
let dataDir: string;
const cleanup: string[] = [];

afterAll(async () => {
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
  for (const dir of cleanup) await rm(dir, { recursive: true, force: true });
});

function start() {
  return startNode([cli, 'start'], {
    PORT: '0',
    JUNCTION_DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    JUNCTION_SHUTDOWN_TIMEOUT_MS: '2000',
  });
}

describe('junction start with no DATABASE_URL', () => {
  it('starts an embedded PostgreSQL, serves, stops it on SIGTERM, and reuses the data next time', async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'junction-start-'));
    cleanup.push(dataDir); // the next test points dataDir elsewhere
    const first = start();
    const [, url] = await first.waitFor(/listening on (http:\/\/[^\s]+)/, 60_000);
    const [, token] = await first.waitFor(/^\s+(jct_\S+)$/m);
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    const me = await fetch(`${url}/v1/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(await me.json()).toMatchObject({ role: 'admin' });
    // The server's own role migrated; Junction's connections are the runtime role's, which owns
    // nothing and cannot touch the audit trail's history.
    const settings = JSON.parse(
      await readFile(path.join(dataDir, 'embedded-postgres.json'), 'utf8'),
    );
    const owner = new pg.Client({
      connectionString: `postgres://postgres:${encodeURIComponent(settings.password)}@127.0.0.1:${settings.port}/postgres`,
    });
    await owner.connect();
    try {
      const { rows } = await owner.query(
        `select r.rolsuper as superuser,
                (select count(*)::int from pg_stat_activity where usename = r.rolname) as connections,
                has_table_privilege(r.rolname, 'audit_entries', 'delete') as can_delete_audit
         from pg_roles r where r.rolname = 'junction_runtime'`,
      );
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ superuser: false, can_delete_audit: false });
      expect(rows[0].connections).toBeGreaterThan(0);
    } finally {
      await owner.end();
    }
    const pidFile = path.join(dataDir, 'postgres', 'postmaster.pid');
    expect(existsSync(pidFile)).toBe(true);

    first.process.kill('SIGTERM');
    expect(await first.exited()).toEqual({ code: 0, signal: null });
    expect(existsSync(pidFile)).toBe(false);

    const second = start();
    const [, secondUrl] = await second.waitFor(/listening on (http:\/\/[^\s]+)/, 60_000);
    expect(second.output()).not.toContain('jct_');
    const again = await fetch(`${secondUrl}/v1/me`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(again.status).toBe(200);
    second.process.kill('SIGINT');
    expect(await second.exited()).toEqual({ code: 0, signal: null });
    expect(existsSync(pidFile)).toBe(false);
  });

  it('starts from a data folder inside a private folder (as root, PostgreSQL keeps its files where its user can reach them)', async () => {
    const privateParent = await mkdtemp(path.join(os.tmpdir(), 'junction-private-'));
    await chmod(privateParent, 0o700);
    cleanup.push(privateParent);
    dataDir = path.join(privateParent, 'data');
    const first = start();
    const [, url] = await first.waitFor(/listening on (http:\/\/[^\s]+)/, 60_000);
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    const settings = JSON.parse(
      await readFile(path.join(dataDir, 'embedded-postgres.json'), 'utf8'),
    );
    if (settings.databaseDir && !settings.databaseDir.startsWith(dataDir))
      cleanup.push(settings.databaseDir);
    first.process.kill('SIGTERM');
    expect(await first.exited()).toEqual({ code: 0, signal: null });

    const second = start();
    await second.waitFor(/listening on/, 60_000);
    expect(second.output()).not.toContain('jct_'); // the same database: its admin token exists
    second.process.kill('SIGTERM');
    expect(await second.exited()).toEqual({ code: 0, signal: null });
  });
});
