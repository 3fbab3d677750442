import { cp, mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot, startNode } from '../support/child-process.js';

const asRoot = process.getuid?.() === 0;
const cleanup: string[] = [];

afterAll(async () => {
  for (const dir of cleanup) await rm(dir, { recursive: true, force: true });
});

/**
 * A project whose files sit in a folder only root may enter (mkdtemp makes it 0700): its
 * packages and node_modules are this repository's, reached through symlinks that Node and vitest
 * keep as the path (preserve symlinks), so the PostgreSQL binaries package is found inside the
 * private folder, as in a clone of Junction there.
 */
async function privateProject(): Promise<{ dir: string; node: string }> {
  const parent = await mkdtemp(path.join(os.tmpdir(), 'junction-private-install-'));
  cleanup.push(parent);
  const dir = path.join(parent, 'project');
  await cp(path.join(import.meta.dirname, 'private-install'), dir, { recursive: true });
  for (const entry of ['node_modules', 'core', 'connector-kit', 'registry', 'tsconfig.base.json'])
    await symlink(path.join(repoRoot, entry), path.join(dir, entry));
  return { dir, node: path.join(dir, 'node_modules') };
}

/** Where the embedded server of `dataDir` keeps its files, to remove them afterwards. */
async function rememberDatabaseDir(dataDir: string): Promise<void> {
  const settings = JSON.parse(await readFile(path.join(dataDir, 'embedded-postgres.json'), 'utf8'));
  if (settings.databaseDir && !settings.databaseDir.startsWith(dataDir))
    cleanup.push(settings.databaseDir);
}

// Only root runs PostgreSQL as another user (postgres), who cannot enter a 0700 folder of root's.
describe.skipIf(!asRoot)(
  'an install in a folder only root can enter (skipped unless run as root)',
  () => {
    it('vitest global setup starts the embedded PostgreSQL from a copy of the binaries the postgres user can run', async () => {
      const project = await privateProject();
      const vitest = startNode(
        [
          '--preserve-symlinks',
          '--preserve-symlinks-main',
          path.join(project.node, 'vitest/vitest.mjs'),
          'run',
          '--root',
          project.dir,
        ],
        { DATABASE_URL: undefined },
      );
      const exit = await vitest.exited(120_000);
      await rememberDatabaseDir(path.join(project.dir, 'data'));
      expect(vitest.output()).toMatch(/1 passed/);
      expect(exit).toEqual({ code: 0, signal: null });
    });

    it('junction start serves from there, and stops on SIGTERM', async () => {
      const project = await privateProject();
      const dataDir = path.join(project.dir, 'data');
      const start = startNode(
        [
          '--preserve-symlinks',
          '--preserve-symlinks-main',
          path.join(project.node, '@junction/core/dist/cli/main.js'),
          'start',
        ],
        { PORT: '0', JUNCTION_DATA_DIR: dataDir, LOG_LEVEL: 'warn' },
      );
      const [, url] = await start.waitFor(/listening on (http:\/\/[^\s]+)/, 90_000);
      await rememberDatabaseDir(dataDir);
      expect((await fetch(`${url}/readyz`)).status).toBe(200);
      start.process.kill('SIGTERM');
      expect(await start.exited()).toEqual({ code: 0, signal: null });
    });
  },
);
