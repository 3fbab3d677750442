import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../support/child-process.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { until } from '../support/until.js';

let database: TestDatabase;
let dataDir: string;
beforeAll(async () => {
  database = await createTestDatabase();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'junction-npm-start-'));
});
afterAll(async () => {
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
});
