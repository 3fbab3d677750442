import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildKit, cliPath, runNode } from './cli-test-support.js';

let work: string;
beforeAll(async () => {
  await buildKit();
  work = await mkdtemp(join(tmpdir(), 'junction-cli-'));
}, 60_000);
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

const cli = (args: string[], cwd = work) => runNode([cliPath, ...args], cwd);

async function writePlugin(name: string, connector: Record<string, unknown>) {
  const dir = join(work, name);
  await mkdir(join(dir, 'dist'), { recursive: true });
  const pkg = {
    name,
    version: '1.0.0',
    type: 'module',
    junction: { connector: './dist/index.js', contract: '^1.0.0' },
  };
  await writeFile(join(dir, 'package.json'), JSON.stringify(pkg));
  await writeFile(join(dir, 'dist', 'index.js'), `export default ${JSON.stringify(connector)};\n`);
  return dir;
}

describe('junction-kit', () => {
  it('has --help on every command', async () => {
    for (const args of [
      ['--help'],
      ['init', '--help'],
      ['validate', '--help'],
      ['test', '--help'],
      ['pack', '--help'],
    ]) {
      const run = await cli(args);
      expect(run.code).toBe(0);
      expect(run.stdout).toContain('Usage: junction-kit');
    }
  });

  it('exits 2 with a plain sentence on bad usage', async () => {
    expect((await cli(['frobnicate'])).code).toBe(2);
    expect((await cli(['init'])).code).toBe(2);
    const bad = await cli(['init', 'Not_Valid']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('"Not_Valid" is not a valid connector name');
    const nowhere = await cli(['validate', join(work, 'missing')]);
    expect(nowhere.code).toBe(2);
    expect(nowhere.stderr).toContain('There is no package.json');
  });

  it('refuses to init into a non-empty folder', async () => {
    await mkdir(join(work, 'taken'), { recursive: true });
    await writeFile(join(work, 'taken', 'x'), '');
    const run = await cli(['init', 'taken']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('already exists and is not empty');
  });

  it('prints every problem and exits 1; pack refuses an invalid plugin', async () => {
    const dir = await writePlugin('broken', {
      kind: 'connector',
      id: 'Broken Thing',
      name: 'Broken',
      description: 'x',
      version: '2.0.0',
      contract: '^9.0.0',
      auth: { kind: 'apiKey', in: 'cookie', name: 'k' },
      actions: [],
    });
    const run = await cli(['validate', dir]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('/id: id must be lowercase kebab-case');
    expect(run.stdout).toContain('/contract: contract "^9.0.0" is not supported');
    expect(run.stdout).toContain('/auth/in: must be "header" or "query"');
    expect(run.stdout).toContain(
      '/version: connector version 2.0.0 differs from package.json version 1.0.0',
    );
    expect(run.stdout).toContain('4 problems found.');
    const pack = await cli(['pack', '--no-build', dir]);
    expect(pack.code).toBe(1);
    expect(pack.stderr).toContain('nothing was packed');
    // Without --no-build, pack rebuilds first, and says so when it cannot.
    const unbuildable = await cli(['pack', dir]);
    expect(unbuildable.code).toBe(1);
    expect(unbuildable.stderr).toContain(
      'package.json has no "build" script to rebuild the plugin with; add one, or pack what is built with --no-build.',
    );
  });

  it('explains an entry that is not built or not a connector', async () => {
    const dir = await writePlugin('not-a-connector', { hello: 'world' });
    const run = await cli(['validate', dir]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('does not export a connector');
    await rm(join(dir, 'dist'), { recursive: true });
    expect((await cli(['validate', dir])).stderr).toContain('build the plugin first');
  });
});
