import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFixtureRoot, writePlugin } from '../registry/plugin-fixtures.js';
import { runJunctionCli } from '../support/child-process.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

let database: TestDatabase;
let fixtures: Awaited<ReturnType<typeof createFixtureRoot>>;
let client: pg.Client;

const junction = (...args: string[]) =>
  runJunctionCli(args, {
    DATABASE_URL: database.url,
    JUNCTION_DATA_DIR: path.join(fixtures.dir, 'data'),
    LOG_LEVEL: 'silent',
    // What trust changes is tested under the default isolation (`installed`), whatever the run's.
    JUNCTION_PLUGIN_ISOLATION: 'installed',
  });

const trustedFlag = async (version: string) =>
  (
    await client.query<{ trusted: boolean }>(
      `SELECT trusted FROM plugin_installs WHERE id = 'cli-trust' AND version = $1`,
      [version],
    )
  ).rows[0]?.trusted;

const auditCount = async () =>
  Number((await client.query<{ n: string }>(`SELECT count(*) AS n FROM audit_entries`)).rows[0]?.n);

beforeAll(async () => {
  database = await createTestDatabase();
  fixtures = await createFixtureRoot();
  client = new pg.Client({ connectionString: database.url });
  await client.connect();
  const dir = await writePlugin(fixtures.dir, { id: 'cli-trust', version: '1.0.0' });
  const installed = await junction('plugin', 'install', dir);
  expect(installed.code, installed.output).toBe(0);
});
afterAll(async () => {
  await client?.end();
  await database?.drop();
  await fixtures?.remove();
});

describe('junction plugin trust / distrust', () => {
  it('trusts and distrusts one exact version, audited with the operator as actor, shown by plugin list', async () => {
    expect((await junction('plugin', 'list')).output).toMatch(/cli-trust@1\.0\.0 .*isolated/);

    const trusted = await junction('plugin', 'trust', 'cli-trust@1.0.0');
    expect(trusted.code, trusted.output).toBe(0);
    expect(trusted.output).toContain("Trusted cli-trust@1.0.0: it runs in Junction's own process.");
    expect(await trustedFlag('1.0.0')).toBe(true);
    expect((await junction('plugin', 'list')).output).toMatch(/cli-trust@1\.0\.0 .*trusted/);

    const distrusted = await junction('plugin', 'distrust', 'cli-trust@1.0.0');
    expect(distrusted.code, distrusted.output).toBe(0);
    expect(distrusted.output).toContain(
      'Distrusted cli-trust@1.0.0: it runs isolated in plugin hosts.',
    );
    expect(await trustedFlag('1.0.0')).toBe(false);

    const audit = await client.query<{ actor: string; action: string; data: unknown }>(
      `SELECT actor, action, data FROM audit_entries
        WHERE subject_type = 'plugin' AND subject_id = 'cli-trust@1.0.0'
          AND action IN ('plugin.trust', 'plugin.distrust') ORDER BY id`,
    );
    expect(audit.rows.map((r) => [r.actor, r.action])).toEqual([
      [`cli:${os.userInfo().username}`, 'plugin.trust'],
      [`cli:${os.userInfo().username}`, 'plugin.distrust'],
    ]);
    expect(audit.rows[0]?.data).toMatchObject({
      before: { trusted: false },
      after: { trusted: true },
    });
  });

  it('refuses an unknown id, an unknown version, a built-in and a missing version with a sentence, changing nothing', async () => {
    const before = await auditCount();
    const cases: Array<[string[], RegExp]> = [
      [['trust', 'no-such-plugin@1.0.0'], /^No plugin with id no-such-plugin is installed\.$/m],
      [
        ['trust', 'cli-trust@9.9.9'],
        /^cli-trust has no version 9\.9\.9 installed; installed: 1\.0\.0\.$/m,
      ],
      [
        ['distrust', 'postgres@1.0.0'],
        /^postgres is built into Junction: built-in plugins are not marked/m,
      ],
      [['trust', 'cli-trust'], /^Name one exact installed version, as <id>@<version>/m],
    ];
    for (const [args, sentence] of cases) {
      const refused = await junction('plugin', ...args);
      expect(refused.code, args.join(' ')).not.toBe(0);
      expect(refused.output).toMatch(sentence);
      expect(refused.output).not.toMatch(/\n\s+at /);
    }
    expect(await trustedFlag('1.0.0')).toBe(false);
    expect(await auditCount()).toBe(before);
  });

  it('explains itself with --help', async () => {
    for (const command of ['trust', 'distrust']) {
      const help = await junction('plugin', command, '--help');
      expect(help.code).toBe(0);
      expect(help.output).toContain(`Usage: junction plugin ${command} [options] <id@version>`);
    }
    expect((await junction('plugin', '--help')).output).toMatch(/trust <id@version>/);
  });
});
