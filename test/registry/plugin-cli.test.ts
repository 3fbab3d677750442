import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runJunctionCli } from '../support/child-process.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { createFixtureRoot, writePlugin } from './plugin-fixtures.js';

let database: TestDatabase;
let fixtures: Awaited<ReturnType<typeof createFixtureRoot>>;

const junction = (...args: string[]) =>
  runJunctionCli(args, {
    DATABASE_URL: database.url,
    JUNCTION_DATA_DIR: path.join(fixtures.dir, 'data'),
    LOG_LEVEL: 'silent',
  });

beforeAll(async () => {
  database = await createTestDatabase();
  fixtures = await createFixtureRoot();
});
afterAll(async () => {
  await database?.drop();
  await fixtures?.remove();
});

describe('junction plugin', () => {
  it('installs a plugin from a folder, lists it, shows it, and removes it', async () => {
    const dir = await writePlugin(fixtures.dir, { id: 'cli-notes', version: '1.2.0' });
    const installed = await junction('plugin', 'install', dir);
    expect(installed.code, installed.output).toBe(0);
    expect(installed.output).toMatch(/cli-notes@1\.2\.0/);
    expect(installed.output).toMatch(/sha512-/);

    const list = await junction('plugin', 'list');
    expect(list.code).toBe(0);
    expect(list.output).toMatch(/cli-notes@1\.2\.0/);
    expect(list.output).toMatch(/postgres/); // built-in plugins are listed too

    const info = await junction('plugin', 'info', 'cli-notes');
    expect(info.code).toBe(0);
    expect(info.output).toContain('1.2.0');

    const removed = await junction('plugin', 'remove', 'cli-notes', '1.2.0');
    expect(removed.code, removed.output).toBe(0);
    expect((await junction('plugin', 'list')).output).not.toMatch(/cli-notes/);
  });

  it('refuses a bad plugin with a plain sentence and a non-zero exit, installing nothing', async () => {
    const dir = await writePlugin(fixtures.dir, { id: 'cli-bad', contract: '^9.0.0' });
    const refused = await junction('plugin', 'install', dir);
    expect(refused.code).not.toBe(0);
    expect(refused.output).toMatch(/contract/i);
    expect(refused.output).not.toMatch(/\n\s+at /);
    expect((await junction('plugin', 'list')).output).not.toMatch(/cli-bad/);
    const missing = await junction('plugin', 'info', 'nope');
    expect(missing.code).not.toBe(0);
  });
});
