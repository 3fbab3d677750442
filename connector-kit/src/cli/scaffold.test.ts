import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { list } from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTRACT_VERSION } from '../contract-version.js';
import { buildKit, cliPath, kitDir, rootDir, runNode, tscPath } from './cli-test-support.js';

// The scaffold and `pack`, offline: the workspace's kit, TypeScript and vitest stand in for what
// `npm install` would fetch. (test/authoring/tutorial.test.ts runs the README's tutorial with a
// real install from a registry.)
let work: string;
let dir: string;
beforeAll(async () => {
  await buildKit();
  work = await mkdtemp(join(tmpdir(), 'junction-scaffold-'));
  dir = join(work, 'acme-notes');
  const init = await runNode([cliPath, 'init', 'acme-notes'], work);
  expect(init.code, init.stderr).toBe(0);
  await linkDependencies(dir);
}, 60_000);
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** What `npm install` does for the scaffold, offline: link the packages and commands it needs. */
async function linkDependencies(plugin: string): Promise<void> {
  const modules = join(plugin, 'node_modules');
  await mkdir(join(modules, '@junction'), { recursive: true });
  await mkdir(join(modules, '@types'), { recursive: true });
  await mkdir(join(modules, '.bin'), { recursive: true });
  await symlink(kitDir, join(modules, '@junction', 'connector-kit'), 'dir');
  for (const name of ['vitest', 'typescript', '@types/node']) {
    await symlink(join(rootDir, 'node_modules', name), join(modules, name), 'dir');
  }
  await symlink(tscPath, join(modules, '.bin', 'tsc'));
  const kitBin = join(kitDir, 'bin', 'junction-kit.js');
  await symlink(kitBin, join(modules, '.bin', 'junction-kit'));
}

/** `npm run <script>` in the plugin, with the plugin's commands on PATH as npm puts them. */
function npmRun(script: string, ...args: string[]) {
  return runNode([npmCli(), 'run', script, '--', ...args], dir, 120_000);
}

function npmCli(): string {
  // The npm that runs these tests, else the one next to node.
  return process.env.npm_execpath?.endsWith('.js')
    ? process.env.npm_execpath
    : join(process.execPath, '..', '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js');
}

async function tarEntries(file: string): Promise<string[]> {
  const entries: string[] = [];
  await list({ file, onReadEntry: (entry) => entries.push(entry.path) });
  return entries;
}

function packed(stdout: string): { file: string; integrity: string } {
  const lines = stdout.trim().split('\n');
  return { file: lines.at(-2) ?? '', integrity: lines.at(-1) ?? '' };
}

describe('the scaffold', () => {
  it('keeps its version in package.json only, and lists the manifest in files', async () => {
    const pkg = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8'));
    expect(pkg.files).toEqual(['dist', 'junction.manifest.json']);
    expect(pkg.junction.contract).toBe(`^${CONTRACT_VERSION}`);
    expect(pkg.dependencies).toEqual({ '@junction/connector-kit': expect.stringMatching(/^\^/) });
    const index = await readFile(join(dir, 'src', 'index.ts'), 'utf8');
    expect(index).toContain('version: packageVersion(import.meta.url)');
    expect(index).not.toMatch(/version: '/);
  });

  it('type-checks its tests in npm test, and passes', async () => {
    const good = await npmRun('test');
    expect(good.code, good.stdout + good.stderr).toBe(0);
    const test = join(dir, 'src', 'index.test.ts');
    const original = await readFile(test, 'utf8');
    await writeFile(test, `${original}\nconst wrong: number = 'text';\nexport { wrong };\n`);
    try {
      const bad = await npmRun('test');
      expect(bad.code).not.toBe(0);
      expect(bad.stdout + bad.stderr).toContain('src/index.test.ts');
      expect(bad.stdout + bad.stderr).toContain('TS2322');
    } finally {
      await writeFile(test, original);
    }
  }, 120_000);

  it('packs a fresh build: no file of a deleted source, no unbuilt edit, a stable integrity', async () => {
    // A source built once, then deleted: its dist/ files must not ship.
    await writeFile(join(dir, 'src', 'leftover.ts'), 'export const leftover = 1;\n');
    expect((await npmRun('build')).code).toBe(0);
    await rm(join(dir, 'src', 'leftover.ts'));
    // An edit that was never built must ship.
    const index = join(dir, 'src', 'index.ts');
    const source = await readFile(index, 'utf8');
    await writeFile(index, source.replace("'Connects Junction to Acme Notes.'", "'Edited.'"));

    const run = await runNode([cliPath, 'pack'], dir, 120_000);
    expect(run.code, run.stderr).toBe(0);
    const { file, integrity } = packed(run.stdout);
    expect(file).toBe(join(dir, 'junction-plugin-acme-notes-0.1.0.tgz'));
    expect(integrity).toBe(
      `sha512-${createHash('sha512')
        .update(await readFile(file))
        .digest('base64')}`,
    );
    const entries = await tarEntries(file);
    expect(entries).toEqual(
      expect.arrayContaining([
        'package/package.json',
        'package/junction.manifest.json',
        'package/README.md',
        'package/dist/index.js',
        'package/dist/actions/create-note.js',
      ]),
    );
    expect(entries.filter((e) => e.includes('leftover'))).toEqual([]);
    expect(entries.some((e) => e.endsWith('.test.js') || e.includes('/src/'))).toBe(false);
    expect(entries.some((e) => e.includes('stub-api'))).toBe(false);
    const manifest = JSON.parse(await readFile(join(dir, 'junction.manifest.json'), 'utf8'));
    expect(manifest).toMatchObject({
      id: 'acme-notes',
      version: '0.1.0',
      description: 'Edited.',
      contract: `^${CONTRACT_VERSION}`,
      auth: { kind: 'apiKey', secrets: ['apiKey'] },
      actions: [{ key: 'create-note', kind: 'create' }],
    });

    // Packing the same sources again gives the same bytes (fixed mtimes, sorted entries).
    const again = await runNode([cliPath, 'pack'], dir, 120_000);
    expect(packed(again.stdout).integrity).toBe(integrity);
  }, 180_000);

  it('refuses pack --no-build when src/ changed after the build, and packs when it did not', async () => {
    const index = join(dir, 'src', 'index.ts');
    const later = new Date(Date.now() + 60_000);
    await utimes(index, later, later);
    const stale = await runNode([cliPath, 'pack', '--no-build'], dir, 60_000);
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain('src/index.ts changed after the last build');
    expect((await npmRun('build')).code).toBe(0);
    const earlier = new Date(Date.now() - 60_000);
    await utimes(index, earlier, earlier);
    const fresh = await runNode([cliPath, 'pack', '--no-build'], dir, 60_000);
    expect(fresh.code, fresh.stderr).toBe(0);
  }, 120_000);

  it('takes a new version from package.json alone', async () => {
    const file = join(dir, 'package.json');
    const pkg = JSON.parse(await readFile(file, 'utf8'));
    await writeFile(file, JSON.stringify({ ...pkg, version: '0.2.0' }, null, 2));
    const run = await runNode([cliPath, 'pack'], dir, 120_000);
    expect(run.code, run.stderr).toBe(0);
    expect(packed(run.stdout).file).toBe(join(dir, 'junction-plugin-acme-notes-0.2.0.tgz'));
    const manifest = JSON.parse(await readFile(join(dir, 'junction.manifest.json'), 'utf8'));
    expect(manifest.version).toBe('0.2.0');
    const validate = await runNode([cliPath, 'validate'], dir);
    expect(validate.stdout).toContain('acme-notes@0.2.0 is valid.');
  }, 120_000);
});
