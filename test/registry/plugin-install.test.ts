import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { integrityOf } from '@junction/registry';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// biome-ignore lint/suspicious/noExplicitAny: JSON answers are probed freely in assertions.
type Json = any;

import { hostileTarballEntries } from '../security/hostile-tarballs.js';
import { startTestJunction, type TestJunction } from '../support/start-junction.js';
import {
  createFixtureRoot,
  entriesOf,
  packPlugin,
  type RawEntry,
  rawTarball,
  writePlugin,
} from './plugin-fixtures.js';

let fixtures: Awaited<ReturnType<typeof createFixtureRoot>>;
let dataDir: string;
let pluginsDir: string;
let t: TestJunction;
let client: pg.Client;

beforeAll(async () => {
  fixtures = await createFixtureRoot();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'junction-data-'));
  pluginsDir = path.join(dataDir, 'plugins');
  const builtinDir = path.join(fixtures.dir, 'builtins');
  await writePlugin(builtinDir, { id: 'builtin-echo', manifest: 'omit' });
  t = await startTestJunction(
    { JUNCTION_DATA_DIR: dataDir },
    { plugins: { builtinDir, maxBytes: 1_000_000, maxFiles: 60 } },
  );
  client = new pg.Client({ connectionString: t.database.url });
  await client.connect();
});

afterAll(async () => {
  await client?.end();
  await t?.close();
  await fixtures?.remove();
  await rm(dataDir, { recursive: true, force: true });
});

function upload(bytes: Buffer, query = '') {
  return t.request(`/v1/plugins/upload${query}`, {
    method: 'POST',
    headers: { 'content-type': 'application/gzip' },
    body: bytes,
  });
}

function install(source: Record<string, unknown>) {
  return t.request('/v1/plugins', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ source }),
  });
}

async function rowsFor(id: string) {
  return (await client.query('select version from plugin_installs where id = $1', [id])).rows;
}

/** Nothing of `id` on disk (no version folder, no staging leftovers) and no rows. */
async function expectNothingLeft(id: string) {
  expect(await rowsFor(id)).toEqual([]);
  expect(existsSync(path.join(pluginsDir, id))).toBe(false);
  const staging = path.join(pluginsDir, '.staging');
  expect(existsSync(staging) ? await readdir(staging) : []).toEqual([]);
  const audit = await client.query(
    `select count(*)::int as n from audit_entries where subject_id like $1`,
    [`${id}@%`],
  );
  expect(audit.rows[0].n).toBe(0);
}

async function expectRefused(response: Response, status: number, kind: string, detail: RegExp) {
  const body = (await response.json()) as { kind: string; detail: string };
  expect(response.headers.get('content-type')).toContain('application/problem+json');
  expect({ status: response.status, kind: body.kind }).toEqual({ status, kind });
  expect(body.detail).toMatch(detail);
}

describe('installing from each source', () => {
  it('installs from a folder, lists it, and serves its connector', async () => {
    const dir = await writePlugin(fixtures.dir, { id: 'folder-notes' });
    const response = await install({ kind: 'folder', path: dir });
    const body = (await response.json()) as Record<string, unknown>;
    expect(response.status, JSON.stringify(body)).toBe(201);
    expect(body).toMatchObject({
      id: 'folder-notes',
      version: '1.0.0',
      source: { kind: 'folder', location: dir },
      status: 'loaded',
      loadedHere: true,
      installedBy: 'token:admin-env',
    });
    expect(existsSync(path.join(pluginsDir, 'folder-notes', '1.0.0', 'dist', 'index.js'))).toBe(
      true,
    );

    const connector = await t.request('/v1/connectors/folder-notes');
    expect(connector.status).toBe(200);
    const c = (await connector.json()) as Json;
    expect(c.actions[0]).toMatchObject({ key: 'create-note', sample: { id: 'n1' } });
    expect(c.actions[0].input.properties.title).toEqual({ type: 'string' });
    expect(c.triggers[0]).toMatchObject({ key: 'note-created', kind: 'polling' });
    expect(c.recordTypes[0]).toMatchObject({ name: 'note', key: 'id' });

    // The engine's view: the definition itself, runnable.
    const loaded = t.junction.plugins.catalogue.getConnector('folder-notes');
    expect(loaded?.definition.actions?.[0]?.key).toBe('create-note');

    const audit = await client.query(
      `select actor, action, data from audit_entries where subject_id = 'folder-notes@1.0.0'`,
    );
    expect(audit.rows).toHaveLength(1);
    expect(audit.rows[0]).toMatchObject({
      actor: 'token:admin-env',
      action: 'plugin.install',
      data: {
        source: { kind: 'folder', location: dir },
        integrity: expect.stringMatching(/^sha512-/),
      },
    });
  });

  it('installs from a .tgz path with its integrity checked, and from an upload', async () => {
    const dir = await writePlugin(fixtures.dir, { id: 'tgz-notes' });
    const bytes = await packPlugin(dir);
    const file = path.join(fixtures.dir, 'tgz-notes-1.0.0.tgz');
    await writeFile(file, bytes);
    const response = await install({ kind: 'tarball', path: file, integrity: integrityOf(bytes) });
    expect(response.status, await response.clone().text()).toBe(201);
    expect(await response.json()).toMatchObject({ integrity: integrityOf(bytes) });

    const up = await writePlugin(fixtures.dir, { id: 'upload-notes' });
    const upBytes = await packPlugin(up);
    const uploaded = await upload(
      upBytes,
      `?integrity=${encodeURIComponent(integrityOf(upBytes))}`,
    );
    expect(uploaded.status, await uploaded.clone().text()).toBe(201);
    expect(await uploaded.json()).toMatchObject({ id: 'upload-notes', source: { kind: 'bytes' } });
    expect((await t.request('/v1/connectors/upload-notes')).status).toBe(200);
  });

  it('installs from a plugin index over http, picking the highest matching version', async () => {
    const v1 = await packPlugin(
      await writePlugin(fixtures.dir, { id: 'index-notes', version: '1.0.0' }),
    );
    const v11 = await packPlugin(
      await writePlugin(fixtures.dir, { id: 'index-notes', version: '1.1.0' }),
    );
    const v2 = await packPlugin(
      await writePlugin(fixtures.dir, { id: 'index-notes', version: '2.0.0' }),
    );
    const files: Record<string, Buffer> = { '/t/v1.tgz': v1, '/t/v11.tgz': v11, '/t/v2.tgz': v2 };
    const server: Server = createServer((req, res) => {
      if (req.url === '/index.json') {
        res.setHeader('content-type', 'application/json');
        res.end(
          JSON.stringify({
            plugins: [
              {
                id: 'index-notes',
                versions: [
                  { version: '1.0.0', tarball: 't/v1.tgz', integrity: integrityOf(v1) },
                  { version: '1.1.0', tarball: 't/v11.tgz', integrity: integrityOf(v11) },
                  { version: '2.0.0', tarball: 't/v2.tgz', integrity: integrityOf(v2) },
                ],
              },
            ],
          }),
        );
        return;
      }
      const body = files[req.url ?? ''];
      res.statusCode = body ? 200 : 404;
      res.end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const response = await install({
        kind: 'index',
        location: `${base}/index.json`,
        id: 'index-notes',
        version: '^1.0.0',
      });
      expect(response.status, await response.clone().text()).toBe(201);
      expect(await response.json()).toMatchObject({
        version: '1.1.0',
        integrity: integrityOf(v11),
      });
      // Side by side: 2.0.0 too; the newest is the default, 1.1.0 stays addressable.
      expect(
        (await install({ kind: 'index', location: `${base}/index.json`, id: 'index-notes' }))
          .status,
      ).toBe(201);
      const c = (await (await t.request('/v1/connectors/index-notes')).json()) as Json;
      expect(c).toMatchObject({ version: '2.0.0', versions: ['2.0.0', '1.1.0'] });
      const old = await t.request('/v1/connectors/index-notes?version=1.1.0');
      expect(((await old.json()) as { version: string }).version).toBe('1.1.0');
      const p = (await (await t.request('/v1/plugins/index-notes')).json()) as Json;
      expect(p.versions.map((v: { version: string }) => v.version)).toEqual(['1.1.0', '2.0.0']);
    } finally {
      server.close();
    }
  });

  it('disables and enables a version; the catalogue follows; both are audited', async () => {
    const off = await t.request('/v1/plugins/tgz-notes/versions/1.0.0/disable', { method: 'POST' });
    expect(off.status).toBe(200);
    expect(await off.json()).toMatchObject({ enabled: false, loadedHere: false });
    expect((await t.request('/v1/connectors/tgz-notes')).status).toBe(404);
    const on = await t.request('/v1/plugins/tgz-notes/versions/1.0.0/enable', { method: 'POST' });
    expect(await on.json()).toMatchObject({ enabled: true, loadedHere: true });
    expect((await t.request('/v1/connectors/tgz-notes')).status).toBe(200);
    const audit = await client.query(
      `select action from audit_entries where subject_id = 'tgz-notes@1.0.0' order by id`,
    );
    expect(audit.rows.map((r) => r.action)).toEqual([
      'plugin.install',
      'plugin.disable',
      'plugin.enable',
    ]);
  });

  it('lists built-in and installed plugins and connectors; writes need admin', async () => {
    const list = (await (await t.request('/v1/plugins')).json()) as {
      data: { id: string; builtin: boolean }[];
    };
    expect(list.data.find((p) => p.id === 'builtin-echo')).toMatchObject({ builtin: true });
    expect(list.data.map((p) => p.id)).toEqual(
      expect.arrayContaining(['folder-notes', 'tgz-notes']),
    );
    const connectors = (await (await t.request('/v1/connectors')).json()) as {
      data: { id: string }[];
    };
    expect(connectors.data.map((c) => c.id)).toEqual(
      expect.arrayContaining(['builtin-echo', 'folder-notes', 'index-notes']),
    );
    const spec = (await (await t.request('/openapi.json', { token: null })).json()) as {
      paths: Record<string, unknown>;
    };
    expect(Object.keys(spec.paths)).toEqual(
      expect.arrayContaining([
        '/v1/plugins',
        '/v1/plugins/upload',
        '/v1/plugins/{id}',
        '/v1/plugins/{id}/versions/{version}',
        '/v1/connectors/{id}',
      ]),
    );
  });
});

describe('refusing hostile and broken plugins, leaving nothing behind', () => {
  async function hostile(id: string, extra: RawEntry[]): Promise<Buffer> {
    const dir = await writePlugin(fixtures.dir, { id });
    return rawTarball([...(await entriesOf(dir)), ...extra]);
  }

  it.each(hostileTarballEntries)('refuses a %s', async (_name, id, extra, detail) => {
    const response = await upload(await hostile(id, [...extra] as RawEntry[]));
    await expectRefused(response, 422, 'unsafe-entry', detail);
    await expectNothingLeft(id);
    expect(existsSync('/tmp/junction-escaped.txt')).toBe(false);
  });

  it('refuses a huge file (over the configured size)', async () => {
    const response = await upload(
      await hostile('evil-huge', [{ path: 'package/dist/blob.bin', body: randomBytes(1_200_000) }]),
    );
    await expectRefused(response, 422, 'too-large', /more than 1000000 bytes/);
    await expectNothingLeft('evil-huge');
  });

  it('refuses too many files', async () => {
    const many = Array.from({ length: 80 }, (_, i) => ({
      path: `package/dist/f${i}.js`,
      body: '',
    }));
    await expectRefused(
      await upload(await hostile('evil-many', many)),
      422,
      'too-many-files',
      /more than 60 entries/,
    );
    await expectNothingLeft('evil-many');
  });

  it('refuses a package with an install script, and never runs it', async () => {
    const marker = path.join(fixtures.dir, 'script-ran');
    const dir = await writePlugin(fixtures.dir, {
      id: 'evil-script',
      scripts: { postinstall: `node -e "require('fs').writeFileSync('${marker}', '1')"` },
    });
    await expectRefused(
      await upload(await packPlugin(dir)),
      422,
      'lifecycle-script',
      /postinstall/,
    );
    expect(existsSync(marker)).toBe(false);
    await expectNothingLeft('evil-script');
  });

  it('refuses a wrong integrity', async () => {
    const bytes = await packPlugin(await writePlugin(fixtures.dir, { id: 'evil-integrity' }));
    const wrong = `sha512-${createHash('sha512').update('other').digest('base64')}`;
    await expectRefused(
      await upload(bytes, `?integrity=${encodeURIComponent(wrong)}`),
      422,
      'integrity',
      /does not match/,
    );
    await expectNothingLeft('evil-integrity');
  });

  it('refuses a bad manifest (malformed, drifted from the definition, or missing)', async () => {
    const malformed = await writePlugin(fixtures.dir, {
      id: 'bad-manifest',
      manifest: (m) => ({ ...m, manifestVersion: 2 }),
    });
    await expectRefused(
      await upload(await packPlugin(malformed)),
      422,
      'bad-manifest',
      /manifestVersion/,
    );
    const drifted = await writePlugin(fixtures.dir, {
      id: 'bad-manifest',
      manifest: (m) => ({ ...m, actions: [] }),
    });
    await expectRefused(
      await upload(await packPlugin(drifted)),
      422,
      'bad-manifest',
      /does not match/,
    );
    const missing = await writePlugin(fixtures.dir, { id: 'bad-manifest', manifest: 'omit' });
    await expectRefused(
      await upload(await packPlugin(missing)),
      422,
      'bad-manifest',
      /junction-kit pack/,
    );
    await expectNothingLeft('bad-manifest');
  });

  it('refuses an incompatible contract version', async () => {
    const dir = await writePlugin(fixtures.dir, { id: 'future-contract', contract: '^2.0.0' });
    await expectRefused(
      await upload(await packPlugin(dir)),
      422,
      'incompatible-contract',
      /\^2\.0\.0.*does not satisfy/,
    );
    await expectNothingLeft('future-contract');
  });

  it('refuses a plugin whose code throws on load', async () => {
    const dir = await writePlugin(fixtures.dir, {
      id: 'throws-on-load',
      extraCode: "if (!process.env.JUNCTION_FIXTURE_MANIFEST) throw new Error('boom at import');",
    });
    await expectRefused(await upload(await packPlugin(dir)), 422, 'load-failed', /boom at import/);
    await expectNothingLeft('throws-on-load');
  });

  it("refuses an id clash with a built-in plugin or another package's plugin", async () => {
    const builtin = await writePlugin(fixtures.dir, {
      id: 'builtin-echo',
      packageName: 'impostor',
    });
    await expectRefused(
      await upload(await packPlugin(builtin)),
      409,
      'id-clash',
      /built-in plugin/,
    );
    expect(await rowsFor('builtin-echo')).toEqual([]);
    const other = await writePlugin(fixtures.dir, {
      id: 'folder-notes',
      version: '1.5.0',
      packageName: 'impostor',
    });
    await expectRefused(
      await upload(await packPlugin(other)),
      409,
      'id-clash',
      /junction-plugin-folder-notes/,
    );
    expect(await rowsFor('folder-notes')).toEqual([{ version: '1.0.0' }]);
    expect(existsSync(path.join(pluginsDir, 'folder-notes', '1.5.0'))).toBe(false);
  });

  it('refuses the same version twice and bad source specs', async () => {
    const again = await writePlugin(fixtures.dir, { id: 'folder-notes' });
    await expectRefused(
      await install({ kind: 'folder', path: again }),
      409,
      'already-installed',
      /installed already/,
    );
    const bad = await install({ kind: 'npm', spec: 'git+https://example.com/x.git' });
    await expectRefused(bad, 422, 'bad-package', /not an npm registry spec/);
    const invalid = await install({ kind: 'ftp', path: 'x' });
    expect(invalid.status).toBe(422);
    const notGzip = await upload(Buffer.from('not a tarball at all'));
    await expectRefused(notGzip, 422, 'bad-package', /not a valid \.tgz/);
  });

  it('refuses uploads over the body limit and non-admin writes', async () => {
    const response = await t.request('/v1/plugins', {
      method: 'POST',
      token: 'not-a-token-0123456789',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(response.status).toBe(401);
  });
});
