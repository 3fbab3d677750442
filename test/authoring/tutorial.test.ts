import { execFileSync, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildKit, kitDir } from '../../connector-kit/src/cli/cli-test-support.js';
import { type Child, repoRoot, startNode } from '../support/child-process.js';
import { ADMIN_TOKEN, startTestJunction, type TestJunction } from '../support/start-junction.js';
import { freePort, startVerdaccio, type Verdaccio } from '../support/verdaccio.js';

// connector-kit's README tutorial, run verbatim as a new author would: in an empty folder outside
// the repository, with the kit published to a private npm registry on loopback (verdaccio). Only
// packages outside @junction/* are fetched, through it, from the registry npm uses here; the kit
// itself is never looked up anywhere else. Then the plugin goes into a running Junction.
let work: string;
let verdaccio: Verdaccio;
let t: TestJunction;
let stub: Child | undefined;

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'junction-tutorial-'));
  await mkdir(path.join(work, 'home'));
  await mkdir(path.join(work, 'empty'));
  const upstream = execFileSync('npm', ['config', 'get', 'registry'], { encoding: 'utf8' }).trim();
  verdaccio = await startVerdaccio(work, { uplink: upstream, local: ['@junction/*'] });
  // The kit as npm would publish it (its files, exports and bin), built from the current source.
  await buildKit();
  const packed = execFileSync(
    'npm',
    ['pack', '--ignore-scripts', '--pack-destination', work, '--json'],
    {
      cwd: kitDir,
      encoding: 'utf8',
      env: { PATH: process.env.PATH, HOME: work, npm_config_update_notifier: 'false' },
    },
  );
  const [{ filename }] = JSON.parse(packed) as [{ filename: string }];
  verdaccio.publish(path.join(work, filename));
  t = await startTestJunction({ JUNCTION_DATA_DIR: path.join(work, 'data'), LOG_LEVEL: 'error' });
}, 120_000);

afterAll(async () => {
  stub?.process.kill('SIGTERM');
  await stub?.exited(5_000).catch(() => {});
  await t?.close();
  await verdaccio?.close();
  await rm(work, { recursive: true, force: true });
});

/** The shell blocks marked `<!-- <marker> -->` in the README, in order. */
async function tutorialBlocks(marker = 'tutorial'): Promise<string[][]> {
  const readme = await readFile(path.join(kitDir, 'README.md'), 'utf8');
  const fence = new RegExp(`<!-- ${marker} -->\\s*\`\`\`sh\\n([\\s\\S]*?)\`\`\``, 'g');
  const blocks = [...readme.matchAll(fence)].map((m) =>
    (m[1] ?? '')
      .replace(/\\\n\s*/g, '')
      .split('\n')
      .filter((line) => line.trim() !== ''),
  );
  if (blocks.length !== 2)
    throw new Error(`README.md has ${blocks.length} ${marker} blocks, not 2`);
  return blocks;
}

interface Timed {
  readonly command: string;
  readonly ms: number;
}

/** Runs commands in one bash, stopping at the first failure; times each one. */
async function runBlock(commands: string[], cwd: string, env: Record<string, string>) {
  const script = [
    'set -euo pipefail',
    ...commands.flatMap((command, i) => [`echo "##step ${i} $(date +%s%3N)" >&2`, command]),
    `echo "##step ${commands.length} $(date +%s%3N)" >&2`,
    'echo "##cwd $PWD" >&2',
  ].join('\n');
  const file = path.join(work, `block-${Date.now()}.sh`);
  await writeFile(file, script);
  const child = spawn('bash', [file], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const code = await new Promise<number>((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 480_000);
    child.once('exit', (c) => {
      clearTimeout(timer);
      resolve(c ?? 1);
    });
  });
  const marks = [...stderr.matchAll(/^##step (\d+) (\d+)$/gm)].map((m) => Number(m[2]));
  const timed: Timed[] = commands
    .slice(0, Math.max(0, marks.length - 1))
    .map((command, i) => ({ command, ms: (marks[i + 1] ?? 0) - (marks[i] ?? 0) }));
  const finalCwd = /^##cwd (.*)$/m.exec(stderr)?.[1] ?? cwd;
  return { code, stdout, stderr, timed, cwd: finalCwd };
}

function authorEnv(): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    HOME: path.join(work, 'home'),
    npm_config_registry: verdaccio.url,
    npm_config_cache: path.join(work, 'npm-cache'),
    npm_config_yes: 'true',
    npm_config_update_notifier: 'false',
    npm_config_fund: 'false',
    npm_config_audit: 'false',
  };
}

it('develops against the checkout: npm run kit:link, then npm link in the plugin', async () => {
  const [checkout, plugin] = await tutorialBlocks('tutorial:local');
  // npm's global folder is one of the test's own, so nothing outside it is linked.
  const prefix = path.join(work, 'global');
  const env = {
    ...authorEnv(),
    npm_config_prefix: prefix,
    PATH: `${path.join(prefix, 'bin')}:${process.env.PATH ?? ''}`,
  };
  const link = await runBlock(checkout ?? [], repoRoot, env);
  expect({ code: link.code, failed: link.code === 0 ? '' : link.stdout + link.stderr }).toEqual({
    code: 0,
    failed: '',
  });
  await mkdir(path.join(work, 'linked'));
  const run = await runBlock(plugin ?? [], path.join(work, 'linked'), env);
  expect({ code: run.code, failed: run.code === 0 ? '' : run.stdout + run.stderr }).toEqual({
    code: 0,
    failed: '',
  });
  // The plugin's kit is the checkout itself (the registry's @junction/* holds nothing else).
  expect(await realpath(path.join(run.cwd, 'node_modules', '@junction', 'connector-kit'))).toBe(
    kitDir,
  );
}, 300_000);

it('goes from an empty folder to an installed plugin whose action runs through an integration', async () => {
  const [author, install] = await tutorialBlocks();
  const env = authorEnv();
  const started = Date.now();
  const first = await runBlock(author ?? [], path.join(work, 'empty'), env);
  expect({ code: first.code, failed: first.code === 0 ? '' : first.stdout + first.stderr }).toEqual(
    { code: 0, failed: '' },
  );
  const plugin = first.cwd;
  expect(plugin).toBe(path.join(work, 'empty', 'acme-notes'));

  // The kit came from the private registry, under its scoped name only.
  const lock = JSON.parse(await readFile(path.join(plugin, 'package-lock.json'), 'utf8'));
  expect(lock.packages['node_modules/@junction/connector-kit'].resolved).toMatch(
    new RegExp(`^${verdaccio.url}@junction/connector-kit/-/connector-kit-`),
  );
  expect(lock.packages['node_modules/junction-kit']).toBeUndefined();
  const pack = /^(\/\S+\.tgz)\n(sha512-\S+)$/m.exec(first.stdout);
  expect(pack?.[1]).toBe(path.join(plugin, 'junction-plugin-acme-notes-0.1.0.tgz'));

  // The stand-in for the vendor's API that the scaffold ships, as the README suggests.
  const port = await freePort();
  stub = startNode([path.join(plugin, 'stub-api.mjs')], { STUB_API_PORT: String(port) });
  await stub.waitFor(/Stand-in Acme Notes API on/);

  const second = await runBlock(install ?? [], plugin, {
    ...env,
    J: t.url,
    TOKEN: ADMIN_TOKEN,
    ACME_API: `http://127.0.0.1:${port}`,
  });
  expect({
    code: second.code,
    failed: second.code === 0 ? '' : second.stdout + second.stderr,
  }).toEqual({ code: 0, failed: '' });
  const total = Date.now() - started;
  expect(second.stdout.trim().split('\n').at(-1)).toBe('{"id":"note_1","title":"Call Ann"}');
  expect(stub.output()).toContain('POST /notes {"title":"Call Ann"} (x-api-key: my-acme-key)');

  // Junction installed exactly the tarball pack made.
  const plugins = (await (await t.request('/v1/plugins')).json()) as {
    data: { id: string; versions: { version: string; integrity: string; status: string }[] }[];
  };
  expect(plugins.data.find((p) => p.id === 'acme-notes')?.versions).toEqual([
    expect.objectContaining({ version: '0.1.0', integrity: pack?.[2], status: 'loaded' }),
  ]);

  const timings = [...first.timed, ...second.timed]
    .map((s) => `${(s.ms / 1000).toFixed(1).padStart(6)} s  ${s.command.slice(0, 90)}`)
    .join('\n');
  console.log(`The tutorial, from an empty folder (${(total / 1000).toFixed(1)} s):\n${timings}`);
}, 600_000);
