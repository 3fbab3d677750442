import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ConnectorManifest } from '@junction/connector-kit';
import { manifestChanges } from '@junction/registry';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Child, repoRoot, startNode } from '../support/child-process.js';
import { ADMIN_TOKEN } from '../support/start-junction.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { createFixtureRoot, packPlugin, writePlugin } from './plugin-fixtures.js';

// Two API processes on one database, each with its own data folder (as on two machines).
let database: TestDatabase;
let client: pg.Client;
let work: string;
let fixtures: Awaited<ReturnType<typeof createFixtureRoot>>;
const children: Child[] = [];
const urls: string[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  client = new pg.Client({ connectionString: database.url });
  await client.connect();
  work = await mkdtemp(path.join(os.tmpdir(), 'junction-two-'));
  fixtures = await createFixtureRoot();
  for (const name of ['a', 'b']) {
    const child = startNode([path.join(repoRoot, 'core/dist/cli/main.js'), 'start'], {
      DATABASE_URL: database.url,
      PORT: '0',
      JUNCTION_ROLE: 'api',
      JUNCTION_ADMIN_TOKEN: ADMIN_TOKEN,
      JUNCTION_DATA_DIR: path.join(work, name),
      JUNCTION_BUILTIN_PLUGINS_DIR: path.join(work, 'no-builtins'),
      JUNCTION_DB_POOL_SIZE: '4',
      LOG_LEVEL: 'warn',
    });
    children.push(child);
    urls.push((await child.waitFor(/listening on (http:\/\/[0-9.:]+)/, 60_000))[1]!);
  }
}, 120_000);

afterAll(async () => {
  for (const child of children) child.process.kill('SIGTERM');
  await Promise.all(children.map((c) => c.exited(15_000).catch(() => {})));
  await client?.end();
  await database?.drop();
  await fixtures?.remove();
  if (work) await rm(work, { recursive: true, force: true });
});

function call(base: string, pathname: string, init: RequestInit = {}) {
  const headers = new Headers(init.headers);
  headers.set('authorization', `Bearer ${ADMIN_TOKEN}`);
  return fetch(`${base}${pathname}`, { ...init, headers });
}

async function until(probe: () => Promise<boolean>, timeoutMs = 10_000): Promise<number> {
  const start = Date.now();
  while (Date.now() - start < timeoutMs) {
    if (await probe()) return Date.now() - start;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`condition not met within ${timeoutMs} ms`);
}

it('installs through one process and serves the connector from the other within seconds', async () => {
  const [a, b] = urls as [string, string];
  expect((await call(b, '/v1/connectors/shared-notes')).status).toBe(404);
  const bytes = await packPlugin(await writePlugin(fixtures.dir, { id: 'shared-notes' }));
  const installed = await call(a, '/v1/plugins/upload', {
    method: 'POST',
    headers: { 'content-type': 'application/gzip' },
    body: bytes,
  });
  expect(installed.status, await installed.clone().text()).toBe(201);
  const ms = await until(async () => (await call(b, '/v1/connectors/shared-notes')).status === 200);
  console.log(`second process served the new connector ${ms} ms after the install answered`);
  expect(ms).toBeLessThan(5_000);
  const c = (await (await call(b, '/v1/connectors/shared-notes')).json()) as {
    actions: { key: string }[];
  };
  expect(c.actions.map((x) => x.key)).toEqual(['create-note']);

  // Disable through B: A stops serving it.
  expect(
    (await call(b, '/v1/plugins/shared-notes/versions/1.0.0/disable', { method: 'POST' })).status,
  ).toBe(200);
  await until(async () => (await call(a, '/v1/connectors/shared-notes')).status === 404);
  expect(
    (await call(a, '/v1/plugins/shared-notes/versions/1.0.0/enable', { method: 'POST' })).status,
  ).toBe(200);
  await until(async () => (await call(b, '/v1/connectors/shared-notes')).status === 200);
});

it('refuses to uninstall a version an integration pins, naming it; removes it once unpinned', async () => {
  const [a, b] = urls as [string, string];
  // The integration work records pins in integration_dependencies (see pluginVersionUsers).
  await client.query(
    `insert into integrations (id, name, current_version, created_by) values ('int_1', 'Notes sync', 1, 'test')`,
  );
  await client.query(
    `insert into integration_dependencies (integration_id, version, connector_id, connector_version)
     values ('int_1', 1, 'shared-notes', '1.0.0')`,
  );
  const refused = await call(a, '/v1/plugins/shared-notes/versions/1.0.0', { method: 'DELETE' });
  expect(refused.status).toBe(409);
  const problem = (await refused.json()) as { kind: string; detail: string; users: unknown[] };
  expect(problem.kind).toBe('in-use');
  expect(problem.detail).toContain('int_1 (Notes sync)');
  expect(problem.users).toEqual([
    { kind: 'integration', id: 'int_1', name: 'Notes sync', integrationVersion: 1 },
  ]);
  expect(
    (await client.query(`select 1 from plugin_installs where id = 'shared-notes'`)).rowCount,
  ).toBe(1);

  await client.query(`delete from integration_dependencies where integration_id = 'int_1'`);
  expect(
    (await call(a, '/v1/plugins/shared-notes/versions/1.0.0', { method: 'DELETE' })).status,
  ).toBe(204);
  await until(async () => (await call(b, '/v1/connectors/shared-notes')).status === 404);
  const audit = await client.query(
    `select action, data->>'integrity' as integrity from audit_entries where subject_id = 'shared-notes@1.0.0' order by id`,
  );
  expect(audit.rows.map((r) => r.action)).toEqual([
    'plugin.install',
    'plugin.disable',
    'plugin.enable',
    'plugin.remove',
  ]);
  expect(audit.rows.every((r) => r.integrity?.startsWith('sha512-'))).toBe(true);
});

it('lists what an upgrade must re-check: newly required inputs and removed fields', async () => {
  const read = async (dir: string) =>
    JSON.parse(
      await (await import('node:fs/promises')).readFile(
        path.join(dir, 'junction.manifest.json'),
        'utf8',
      ),
    ) as ConnectorManifest;
  const v1 = await read(await writePlugin(fixtures.dir, { id: 'upgrade-notes', version: '1.0.0' }));
  const v2 = await read(
    await writePlugin(fixtures.dir, { id: 'upgrade-notes', version: '2.0.0', extraInput: 'body' }),
  );
  expect(manifestChanges(v1, v1)).toEqual([]);
  expect(manifestChanges(v1, v2)).toEqual([
    {
      kind: 'field-required',
      path: '/actions/create-note/input/body',
      message: 'field "body" is now required',
    },
  ]);
  expect(manifestChanges(v2, v1).map((c) => c.kind)).toEqual(['field-removed']);
});
