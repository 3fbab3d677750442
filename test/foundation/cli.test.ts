import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { describe, expect, inject, it } from 'vitest';
import { migrations } from '../../core/src/db/migrations/index.js';
import { repoRoot, startNode } from '../support/child-process.js';
import { withDatabase } from '../support/global-setup.js';

const cli = path.join(repoRoot, 'core/dist/cli/main.js');

async function runCli(args: string[], env: Record<string, string> = {}) {
  const child = startNode([cli, ...args], env);
  const { code } = await child.exited(60_000);
  return { code, output: child.output() };
}

describe('junction CLI', () => {
  it('explains itself with --help, including every setting', async () => {
    const { code, output } = await runCli(['--help']);
    expect(code).toBe(0);
    for (const word of [
      'start',
      'migrate',
      'version',
      'DATABASE_URL',
      'JUNCTION_DATA_DIR',
      'PORT',
      'db',
    ]) {
      expect(output).toContain(word);
    }
    const start = await runCli(['start', '--help']);
    expect(start.output).toContain('--role <role>');
    expect(start.output).toContain('--shutdown-timeout <ms>');
  });

  it('is linked as the `junction` command by npm, through a launcher that exists before the build', async () => {
    const launcher = startNode([path.join(repoRoot, 'node_modules/.bin/junction'), 'version'], {});
    expect((await launcher.exited(30_000)).code).toBe(0);
    expect(launcher.output().trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('prints its version', async () => {
    const { code, output } = await runCli(['version']);
    expect(code).toBe(0);
    expect(output.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('refuses a bad configuration, listing every problem, and starts nothing', async () => {
    const { code, output } = await runCli(['start', '--role', 'boss'], {
      PORT: 'abc',
      JUNCTION_WORKER_CONCURRENCY: '-1',
    });
    expect(code).toBe(1);
    expect(output).toContain('Invalid configuration:');
    expect(output).toContain('PORT (--port <port>) must be a whole number');
    expect(output).toContain('JUNCTION_ROLE (--role <role>) must be one of all, api, worker');
    expect(output).toContain('JUNCTION_WORKER_CONCURRENCY (--concurrency <n>) must be at least 1');
    expect(output).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('says plainly when a command is unknown', async () => {
    const { code, output } = await runCli(['strat']);
    expect(code).not.toBe(0);
    expect(output).toMatch(/unknown command 'strat'/);
  });

  it('migrates an empty database, from two processes at once without corrupting it', async () => {
    const serverUrl = inject('pgServerUrl');
    const name = `${inject('pgRunPrefix')}_migrate`;
    const admin = new pg.Client({ connectionString: serverUrl });
    await admin.connect();
    try {
      await admin.query(`create database ${name}`);
      const env = { DATABASE_URL: withDatabase(serverUrl, name) };
      const [a, b] = await Promise.all([runCli(['migrate'], env), runCli(['migrate'], env)]);
      expect([a.code, b.code]).toEqual([0, 0]);
      const outputs = [a.output, b.output].sort();
      const names = Object.keys(migrations).sort();
      expect(outputs[0]).toBe(`Applied ${names.length} migration(s): ${names.join(', ')}\n`);
      expect(outputs[1]).toBe('The database is up to date.\n');

      const db = new pg.Client({ connectionString: env.DATABASE_URL });
      await db.connect();
      const applied = await db.query('select name from kysely_migration order by name');
      expect(applied.rows).toEqual(names.map((name) => ({ name })));
      const worker = await db.query(`select count(*)::int as n from graphile_worker.migrations`);
      expect(worker.rows[0].n).toBeGreaterThan(0);
      await db.end();

      const again = await runCli(['migrate'], env);
      expect(again).toEqual({ code: 0, output: 'The database is up to date.\n' });
    } finally {
      await admin.query(`drop database if exists ${name} with (force)`);
      await admin.end();
    }
  });

  it('names the setting at fault when the database cannot be used, without its password', async () => {
    const missing = withDatabase(inject('pgServerUrl'), `${inject('pgRunPrefix')}_absent`);
    const { password } = new URL(missing);
    const { code, output } = await runCli(['migrate'], { DATABASE_URL: missing });
    expect(code).toBe(1);
    expect(output).toContain('DATABASE_URL (--database-url)');
    expect(output).toContain('does not exist');
    if (password) expect(output).not.toContain(password);
    const refused = await runCli(['migrate'], {
      DATABASE_URL: 'postgres://postgres:pw@127.0.0.1:1/test',
    });
    expect(refused.code).toBe(1);
    expect(refused.output).toContain('ECONNREFUSED');
    expect(refused.output).toContain('Check DATABASE_URL');
  });

  it('prints the database URL with `db url`, and says what to do when there is none yet', async () => {
    const given = await runCli(['db', 'url'], { DATABASE_URL: 'postgres://u:p@db.example:5432/j' });
    expect(given).toEqual({ code: 0, output: 'postgres://u:p@db.example:5432/j\n' });
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'junction-db-url-'));
    try {
      const none = await runCli(['db', 'url'], { JUNCTION_DATA_DIR: dataDir });
      expect(none.code).toBe(1);
      expect(none.output).toContain(`No embedded PostgreSQL has been created in ${dataDir} yet`);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
    const help = await runCli(['db', 'url', '--help']);
    expect(help.output).toContain('print the URL of the database');
  });
});
