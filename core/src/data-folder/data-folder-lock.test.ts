import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { claimDataFolder, dataFolderOwner } from './data-folder-lock.js';

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'junction-lock-'));
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

/** The pid of a process that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0']);
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid as number;
}

describe('the data folder lock', () => {
  it('is held by one process, named with its pid and command, and released', async () => {
    const claim = await claimDataFolder(dataDir, { kind: 'server', command: 'start' });
    expect(claim.kind).toBe('acquired');
    if (claim.kind !== 'acquired') return;
    await claim.lock.update({ apiUrl: 'http://127.0.0.1:3000', databasePort: 25432 });
    expect(dataFolderOwner(dataDir)).toMatchObject({
      pid: process.pid,
      kind: 'server',
      command: 'start',
      apiUrl: 'http://127.0.0.1:3000',
      databasePort: 25432,
    });
    const second = await claimDataFolder(dataDir, { kind: 'command', command: 'plugin list' });
    expect(second).toMatchObject({ kind: 'owned', owner: { pid: process.pid } });
    await claim.lock.release();
    expect(existsSync(claim.lock.file)).toBe(false);
    expect(dataFolderOwner(dataDir)).toBeUndefined();
  });

  it('is taken over from a process that is gone, by exactly one of several claims at once', async () => {
    const file = path.join(dataDir, 'junction.lock');
    const stale = { pid: await deadPid(), kind: 'server', command: 'start', startedAt: 'then' };
    await writeFile(file, JSON.stringify(stale));
    expect(dataFolderOwner(dataDir)).toBeUndefined();
    const claims = await Promise.all(
      Array.from({ length: 8 }, () =>
        claimDataFolder(dataDir, { kind: 'server', command: 'start' }),
      ),
    );
    expect(claims.filter((c) => c.kind === 'acquired')).toHaveLength(1);
    expect(JSON.parse(await readFile(file, 'utf8')).pid).toBe(process.pid);
    for (const claim of claims) if (claim.kind === 'acquired') await claim.lock.release();
  });

  it('treats a pid given to another process since as gone (the start time differs)', async () => {
    const file = path.join(dataDir, 'junction.lock');
    const reused = { pid: process.pid, startTicks: '1', kind: 'server', command: 'start' };
    await writeFile(file, JSON.stringify({ ...reused, startedAt: 'then' }));
    const claim = await claimDataFolder(dataDir, { kind: 'server', command: 'start' });
    expect(claim.kind).toBe(existsSync('/proc/self/stat') ? 'acquired' : 'owned');
    if (claim.kind === 'acquired') await claim.lock.release();
  });
});
