import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestJunction, type TestJunction } from '../support/start-junction.js';
import { startVerdaccio, type Verdaccio } from '../support/verdaccio.js';
import { createFixtureRoot, writePlugin } from './plugin-fixtures.js';

// A real npm registry (verdaccio) on a free loopback port, with its own storage and config.
let work: string;
let fixtures: Awaited<ReturnType<typeof createFixtureRoot>>;
let verdaccio: Verdaccio;
let registry: string;
let t: TestJunction;

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'junction-verdaccio-'));
  fixtures = await createFixtureRoot();
  verdaccio = await startVerdaccio(work);
  registry = verdaccio.url;
  t = await startTestJunction(
    { JUNCTION_DATA_DIR: path.join(work, 'data') },
    { plugins: { builtinDir: path.join(work, 'no-builtins'), npmRegistry: registry } },
  );
}, 90_000);

afterAll(async () => {
  await t?.close();
  await verdaccio?.close();
  await fixtures?.remove();
  await rm(work, { recursive: true, force: true });
});

function publish(dir: string) {
  verdaccio.publish('.', dir);
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
