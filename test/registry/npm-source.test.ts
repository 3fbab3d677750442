import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Child, repoRoot, startNode } from '../support/child-process.js';
import { startTestJunction, type TestJunction } from '../support/start-junction.js';
import { createFixtureRoot, writePlugin } from './plugin-fixtures.js';

// A real npm registry (verdaccio) on a free loopback port, with its own storage and config.
let work: string;
let fixtures: Awaited<ReturnType<typeof createFixtureRoot>>;
let verdaccio: Child;
let registry: string;
let npmrc: string;
let t: TestJunction;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'junction-verdaccio-'));
  fixtures = await createFixtureRoot();
  const port = await freePort();
  registry = `http://127.0.0.1:${port}/`;
  const config = path.join(work, 'config.yaml');
  await writeFile(
    config,
    [
      `storage: ${path.join(work, 'storage')}`,
      'auth:',
      '  htpasswd:',
      `    file: ${path.join(work, 'htpasswd')}`,
      'uplinks: {}',
      'packages:',
      "  '**':",
      '    access: $all',
      '    publish: $authenticated',
      'log: { type: stdout, format: pretty, level: warn }',
      '',
    ].join('\n'),
  );
  verdaccio = startNode(
    [
      path.join(repoRoot, 'node_modules/verdaccio/bin/verdaccio'),
      '--config',
      config,
      '--listen',
      `127.0.0.1:${port}`,
    ],
    {},
  );
  const deadline = Date.now() + 30_000;
  for (;;) {
    const ok = await fetch(`${registry}-/ping`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) throw new Error(`verdaccio did not start:\n${verdaccio.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const user = await fetch(`${registry}-/user/org.couchdb.user:publisher`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'publisher', password: 'publisher-password-1' }),
  });
  const { token } = (await user.json()) as { token: string };
  npmrc = path.join(work, '.npmrc');
  await writeFile(npmrc, `//127.0.0.1:${port}/:_authToken=${token}\n`);
  t = await startTestJunction(
    { JUNCTION_DATA_DIR: path.join(work, 'data') },
    { plugins: { builtinDir: path.join(work, 'no-builtins'), npmRegistry: registry } },
  );
}, 90_000);

afterAll(async () => {
  await t?.close();
  verdaccio?.process.kill('SIGTERM');
  await verdaccio?.exited(10_000).catch(() => {});
  await fixtures?.remove();
  await rm(work, { recursive: true, force: true });
});

function publish(dir: string) {
  execFileSync(
    'npm',
    ['publish', '--registry', registry, '--userconfig', npmrc, '--ignore-scripts'],
    {
      cwd: dir,
      stdio: 'pipe',
      env: { PATH: process.env.PATH, HOME: work },
    },
  );
}

it('installs a plugin published to an npm registry by name@range, with its integrity', async () => {
  publish(await writePlugin(fixtures.dir, { id: 'npm-notes', version: '1.0.0' }));
  publish(await writePlugin(fixtures.dir, { id: 'npm-notes', version: '1.3.0' }));
  publish(await writePlugin(fixtures.dir, { id: 'npm-notes', version: '2.0.0' }));
  const packument = (await (await fetch(`${registry}junction-plugin-npm-notes`)).json()) as {
    versions: Record<string, { dist: { integrity: string } }>;
  };

  const response = await t.request('/v1/plugins', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ source: { kind: 'npm', spec: 'junction-plugin-npm-notes@^1.0.0' } }),
  });
  expect(response.status, await response.clone().text()).toBe(201);
  const body = (await response.json()) as {
    version: string;
    integrity: string;
    source: { location: string };
  };
  expect(body.version).toBe('1.3.0');
  expect(body.integrity).toBe(packument.versions['1.3.0']?.dist.integrity);
  expect(body.source.location).toContain('junction-plugin-npm-notes-1.3.0.tgz');
  expect((await t.request('/v1/connectors/npm-notes')).status).toBe(200);

  // A pinned integrity that does not match what the registry serves is refused.
  const wrong = await t.request('/v1/plugins', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      source: {
        kind: 'npm',
        spec: 'junction-plugin-npm-notes@2.0.0',
        integrity: packument.versions['1.0.0']?.dist.integrity,
      },
    }),
  });
  expect(wrong.status).toBe(422);
  expect(((await wrong.json()) as { kind: string }).kind).toBe('integrity');

  const missing = await t.request('/v1/plugins', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ source: { kind: 'npm', spec: 'junction-plugin-npm-notes@^9' } }),
  });
  expect(missing.status).toBe(422);
  expect(((await missing.json()) as { kind: string }).kind).toBe('not-found');
});
