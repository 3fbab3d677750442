import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiOf, requesterAt } from '../support/api.js';
import { repoRoot } from '../support/child-process.js';
import { createRelayIntegration, startSlowTarget } from '../support/relay-integration.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { until } from '../support/until.js';

let database: TestDatabase;
let dataDir: string;
let target: Awaited<ReturnType<typeof startSlowTarget>>;
beforeAll(async () => {
  database = await createTestDatabase();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'junction-npm-start-'));
  target = await startSlowTarget(3000);
});
afterAll(async () => {
  await target?.close();
  await database?.drop();
  await rm(dataDir, { recursive: true, force: true });
});

/** SIGKILLs any process whose environment holds `entry` (a Junction left running by a failure). */
async function killLeftBehind(entry: string): Promise<void> {
  const pids = await readdir('/proc').catch(() => [] as string[]);
  for (const pid of pids.filter((p) => /^\d+$/.test(p))) {
    const environ = await readFile(`/proc/${pid}/environ`, 'utf8').catch(() => '');
    if (environ.split('\0').includes(entry)) process.kill(Number(pid), 'SIGKILL');
  }
}

describe('npm start', () => {
  it('stops Junction when npm is sent SIGTERM (npm and its shell never pass it on)', async () => {
    const npm = spawn('npm', ['start'], {
      cwd: repoRoot,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        DATABASE_URL: database.url,
        JUNCTION_DATA_DIR: dataDir,
        JUNCTION_ADMIN_TOKEN: 'npm-start-admin-token-0123456789',
        PORT: '0',
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    npm.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    npm.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    try {
      const url = await until(async () => output.match(/listening on (http:\/\/\S+)/)?.[1], 60_000);
      expect((await fetch(`${url}/readyz`)).status).toBe(200);
      npm.kill('SIGTERM');
      // Junction, left below a shell that died, notices and shuts down as on SIGTERM.
      await until(async () => output.includes('Junction stopped'), 15_000);
      expect(output).toContain('"signal":"npm exited"');
      await expect(fetch(`${url}/readyz`)).rejects.toThrow();
    } finally {
      npm.kill('SIGKILL');
      await killLeftBehind(`JUNCTION_DATA_DIR=${dataDir}`);
    }
  });

  it('stops on Ctrl-C in the terminal (SIGINT to npm, its shell and Junction) and then stops its embedded PostgreSQL', async () => {
    const folder = path.join(dataDir, 'embedded');
    // Started as a shell starts a command in a terminal: the leader of a process group.
    const npm = spawn('npm', ['start'], {
      cwd: repoRoot,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        JUNCTION_DATA_DIR: folder,
        JUNCTION_ADMIN_TOKEN: 'npm-start-admin-token-0123456789',
        PORT: '0',
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let output = '';
    npm.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    npm.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    try {
      const url = await until(async () => output.match(/listening on (http:\/\/\S+)/)?.[1], 90_000);
      expect((await fetch(`${url}/readyz`)).status).toBe(200);
      // A step in flight, longer than npm takes to exit on Ctrl-C.
      const api = apiOf(requesterAt(url, 'npm-start-admin-token-0123456789'));
      const hook = await createRelayIntegration(api, target.url);
      const posted = await fetch(`${url}${hook}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ id: 'npm-ctrl-c' }),
      });
      expect(posted.status).toBe(202);
      await until(async () => target.received('npm-ctrl-c') === 1);
      const settings = JSON.parse(
        await readFile(path.join(folder, 'embedded-postgres.json'), 'utf8'),
      );
      const databaseDir = settings.databaseDir ?? path.join(folder, 'postgres');
      const postmaster = Number(
        (await readFile(path.join(databaseDir, 'postmaster.pid'), 'utf8')).split('\n')[0],
      );
      // The database is outside the terminal's process group: Ctrl-C does not reach it.
      const stat = await readFile(`/proc/${postmaster}/stat`, 'utf8').catch(() => undefined);
      if (stat)
        expect(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]).not.toBe(String(npm.pid));
      process.kill(-(npm.pid as number), 'SIGINT');
      await until(async () => output.includes('Junction stopped'), 30_000);
      expect(output).toContain('"signal":"SIGINT"');
      // It drained: npm exiting meanwhile was not taken for a second Ctrl-C.
      expect(output).not.toContain('second signal');
      expect(target.requests.every((r) => r.answered)).toBe(true);
      await until(async () => {
        try {
          process.kill(postmaster, 0);
          return false;
        } catch {
          return true;
        }
      }, 30_000);
    } finally {
      try {
        process.kill(-(npm.pid as number), 'SIGKILL');
      } catch {
        // already gone
      }
      await killLeftBehind(`JUNCTION_DATA_DIR=${folder}`);
    }
  }, 180_000);
});
