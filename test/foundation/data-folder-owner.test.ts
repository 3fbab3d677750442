import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiOf, requesterAt } from '../support/api.js';
import { type Child, repoRoot, startNode } from '../support/child-process.js';
import { createRelayIntegration, startSlowTarget } from '../support/relay-integration.js';
import { TEST_SECRET_KEY } from '../support/start-junction.js';
import { until } from '../support/until.js';

// One owner per data folder, Ctrl-C that drains, and an embedded database that stays where it is:
// real `junction` processes on one data folder with its embedded PostgreSQL.

const cli = path.join(repoRoot, 'core/dist/cli/main.js');
const TOKEN = 'data-folder-admin-token-0123456789';
let dataDir: string;
let databaseDir: string;
let target: Awaited<ReturnType<typeof startSlowTarget>>;
const started: Child[] = [];

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'junction-owner-'));
  target = await startSlowTarget(1500);
});
afterAll(async () => {
  for (const child of started) if (child.process.exitCode === null) child.process.kill('SIGKILL');
  const pid = postmasterPid();
  if (pid !== undefined && alive(pid)) process.kill(pid, 'SIGINT');
  await until(async () => pid === undefined || !alive(pid), 30_000).catch(() => {});
  await target?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
  if (databaseDir && !databaseDir.startsWith(dataDir))
    await rm(databaseDir, { recursive: true, force: true });
});

const env = (extra: Record<string, string> = {}) => ({
  JUNCTION_DATA_DIR: dataDir,
  JUNCTION_ADMIN_TOKEN: TOKEN,
  JUNCTION_SECRET_KEY: TEST_SECRET_KEY,
  LOG_LEVEL: 'info',
  JUNCTION_SHUTDOWN_TIMEOUT_MS: '20000',
  ...extra,
});

/** `junction start` leading a process group of its own, as a shell starts it in a terminal. */
async function startJunction(): Promise<{ child: Child; url: string }> {
  const child = startNode([cli, 'start'], env({ PORT: '0' }), { detached: true });
  started.push(child);
  const [, url] = await child.waitFor(/listening on (http:\/\/\S+)/, 90_000);
  databaseDir = JSON.parse(
    await readFile(path.join(dataDir, 'embedded-postgres.json'), 'utf8'),
  ).databaseDir;
  return { child, url: url as string };
}

async function runCli(args: string[], extra: Record<string, string> = {}) {
  const child = startNode([cli, ...args], env(extra));
  const { code } = await child.exited(90_000);
  return { code, output: child.output() };
}

function postmasterPid(): number | undefined {
  if (!databaseDir) return undefined;
  try {
    const text = readFileSync(path.join(databaseDir, 'postmaster.pid'), 'utf8');
    return Number.parseInt(text.split('\n')[0], 10);
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function query<T extends pg.QueryResultRow>(url: string, text: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text)).rows;
  } finally {
    await client.end();
  }
}

describe('one Junction per data folder', () => {
  it('keeps the running server up through one-shot commands, a second start and a busy port', async () => {
    const { child, url } = await startJunction();
    const postmaster = postmasterPid() as number;
    expect(alive(postmaster)).toBe(true);

    const dbUrl = await runCli(['db', 'url']);
    expect(dbUrl.code).toBe(0);
    const databaseUrl = dbUrl.output.trim();
    expect(databaseUrl).toMatch(/^postgres:\/\/postgres:[^@]+@127\.0\.0\.1:\d+\/postgres$/);
    expect(await query(databaseUrl, 'select 1 as one')).toEqual([{ one: 1 }]);

    // One-shot commands use the running server's database and leave it running.
    for (const args of [['plugin', 'list'], ['audit', 'verify'], ['migrate']]) {
      const result = await runCli(args);
      expect(result.code, result.output).toBe(0);
      expect(result.output).not.toMatch(/stopping|plugin listener|level":50/);
      expect((await fetch(`${url}/readyz`)).status).toBe(200);
    }
    expect((await runCli(['plugin', 'list'])).output).toContain('http@');
    expect((await runCli(['migrate'])).output).toBe('The database is up to date.\n');
    expect(postmasterPid()).toBe(postmaster);
    expect(alive(postmaster)).toBe(true);

    // A second start on the folder refuses, naming the running one, and touches nothing.
    const second = await runCli(['start'], { PORT: '0' });
    expect(second.code).toBe(1);
    expect(second.output).toContain(`pid ${child.process.pid}`);
    expect(second.output).toContain('JUNCTION_DATA_DIR');
    expect(second.output).not.toContain('embedded PostgreSQL started');
    expect((await fetch(`${url}/readyz`)).status).toBe(200);

    // A busy API port is refused before anything starts, naming the setting.
    const other = await mkdtemp(path.join(os.tmpdir(), 'junction-owner-other-'));
    try {
      const port = new URL(url).port;
      const busy = await runCli(['start'], { PORT: port, JUNCTION_DATA_DIR: other });
      expect(busy.code).toBe(1);
      expect(busy.output).toContain(`Port ${port} is already in use`);
      expect(busy.output).toContain('PORT=<port> or --port <port>');
      expect(existsSync(path.join(other, 'embedded-postgres.json'))).toBe(false);
    } finally {
      await rm(other, { recursive: true, force: true });
    }
    expect(alive(postmaster)).toBe(true);

    process.kill(-(child.process.pid as number), 'SIGINT');
    expect(await child.exited(60_000)).toEqual({ code: 0, signal: null });
    expect(alive(postmaster)).toBe(false);

    // Stopped: the URL is the same, and the command says what to do.
    const stopped = await runCli(['db', 'url']);
    expect(stopped.code).toBe(1);
    expect(stopped.output).toContain(databaseUrl);
    expect(stopped.output).toContain('is not running');

    // With no Junction running, a command starts the database for itself and stops it after.
    const alone = await runCli(['plugin', 'list']);
    expect(alone.code, alone.output).toBe(0);
    expect(alone.output).toContain('http@');
    expect(alone.output).not.toMatch(/plugin listener|level":50/);
    expect(postmasterPid() === undefined || !alive(postmasterPid() as number)).toBe(true);
    expect((await runCli(['db', 'url'])).code).toBe(1);
  }, 240_000);

  it('drains a running step on Ctrl-C (SIGINT to the process group) before stopping the database', async () => {
    const { child, url } = await startJunction();
    const postmaster = postmasterPid() as number;
    const databaseUrl = (await runCli(['db', 'url'])).output.trim();
    const hook = await createRelayIntegration(apiOf(requesterAt(url, TOKEN)), target.url);
    const res = await fetch(`${url}${hook}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'ctrl-c' }),
    });
    expect(res.status).toBe(202);
    await until(async () => target.received('ctrl-c') === 1);

    // What a terminal sends on Ctrl-C: PostgreSQL, in a session of its own, does not get it.
    process.kill(-(child.process.pid as number), 'SIGINT');
    expect(await child.exited(60_000)).toEqual({ code: 0, signal: null });
    expect(child.output()).toContain('Junction stopped');
    expect(target.requests.every((r) => r.answered)).toBe(true);
    expect(alive(postmaster)).toBe(false);

    // The next start finds the step's outcome stored: nothing is sent again.
    const next = await startJunction();
    expect((await runCli(['db', 'url'])).output.trim()).toBe(databaseUrl); // same port
    const runs = await query<{ state: string }>(databaseUrl, 'select state from runs');
    expect(runs).toEqual([{ state: 'succeeded' }]);

    // A Junction killed outright leaves its PostgreSQL running: the next start stops it safely
    // and starts its own, on the same port.
    const orphan = postmasterPid() as number;
    process.kill(next.child.process.pid as number, 'SIGKILL');
    await next.child.exited();
    expect(alive(orphan)).toBe(true);
    const again = await startJunction();
    expect(again.child.output()).toContain('did not shut down');
    expect(alive(orphan)).toBe(false);
    expect(await query(databaseUrl, 'select state from runs')).toEqual([{ state: 'succeeded' }]);
    expect(target.received('ctrl-c')).toBe(1);
    const last = postmasterPid() as number;
    again.child.process.kill('SIGTERM');
    expect(await again.child.exited(60_000)).toEqual({ code: 0, signal: null });
    expect(alive(last)).toBe(false);
  }, 240_000);
});
