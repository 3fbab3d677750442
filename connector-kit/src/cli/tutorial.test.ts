import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { list } from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTRACT_VERSION } from '../contract-version.js';
import { buildKit, cliPath, kitDir, rootDir, runNode, tscPath } from './cli-test-support.js';

let work: string;
beforeAll(async () => {
  await buildKit();
  work = await mkdtemp(join(tmpdir(), 'junction-tutorial-'));
}, 60_000);
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

async function tutorialCommands(): Promise<string[]> {
  const readme = await readFile(join(kitDir, 'README.md'), 'utf8');
  const block = /<!-- tutorial:start -->\s*```sh\n([\s\S]*?)```\s*<!-- tutorial:end -->/.exec(
    readme,
  );
  if (!block?.[1]) throw new Error('README.md has no tutorial block');
  return block[1]
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
}

/** What `npm install` does for the scaffold, offline: link the workspace packages it needs. */
async function linkDependencies(dir: string): Promise<void> {
  await mkdir(join(dir, 'node_modules', '@junction'), { recursive: true });
  await mkdir(join(dir, 'node_modules', '@types'), { recursive: true });
  await symlink(kitDir, join(dir, 'node_modules', '@junction', 'connector-kit'), 'dir');
  for (const name of ['vitest', 'typescript', '@types/node']) {
    await symlink(join(rootDir, 'node_modules', name), join(dir, 'node_modules', name), 'dir');
  }
}

/** Runs a package.json script the way npm would, for the two tools the scaffold uses. */
async function runScript(dir: string, name: string) {
  const pkg = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  };
  const [tool, ...args] = (pkg.scripts[name] ?? '').split(' ');
  if (tool === 'tsc') return runNode([tscPath, ...args], dir, 60_000);
  if (tool === 'junction-kit') return runNode([cliPath, ...args], dir, 60_000);
  throw new Error(`script "${name}" uses ${tool}, which the tutorial test cannot run`);
}

describe('README tutorial', () => {
  it('goes from init to a packed tarball with a matching integrity', async () => {
    let cwd = work;
    let packOutput = '';
    for (const command of await tutorialCommands()) {
      const [tool, ...args] = command.split(/\s+/);
      let run: { code: number; stdout: string; stderr: string } | undefined;
      if (tool === 'cd') cwd = resolve(cwd, args[0] ?? '.');
      else if (command === 'npm install') await linkDependencies(cwd);
      else if (command === 'npm test') run = await runScript(cwd, 'test');
      else if (tool === 'npm' && args[0] === 'run') run = await runScript(cwd, args[1] ?? '');
      else if (tool === 'npx' && args[0] === 'junction-kit')
        run = await runNode([cliPath, ...args.slice(1)], cwd, 60_000);
      else throw new Error(`The tutorial test does not know how to run: ${command}`);
      expect({ command, code: run?.code ?? 0, stderr: run?.code ? run.stderr : '' }).toEqual({
        command,
        code: 0,
        stderr: '',
      });
      if (command.endsWith('pack')) packOutput = run?.stdout ?? '';
    }

    const [file, integrity] = packOutput.trim().split('\n');
    expect(file).toBe(join(cwd, 'junction-plugin-acme-notes-0.1.0.tgz'));
    const bytes = await readFile(file ?? '');
    expect(integrity).toBe(`sha512-${createHash('sha512').update(bytes).digest('base64')}`);

    const entries: string[] = [];
    await list({ file: file ?? '', onReadEntry: (entry) => entries.push(entry.path) });
    expect(entries).toEqual(
      expect.arrayContaining([
        'package/package.json',
        'package/junction.manifest.json',
        'package/README.md',
        'package/dist/index.js',
        'package/dist/actions/create-note.js',
      ]),
    );
    expect(entries.every((e) => e.startsWith('package/'))).toBe(true);
    expect(entries.some((e) => e.endsWith('.test.js') || e.includes('/src/'))).toBe(false);

    const manifest = JSON.parse(await readFile(join(cwd, 'junction.manifest.json'), 'utf8'));
    expect(manifest).toMatchObject({
      id: 'acme-notes',
      version: '0.1.0',
      contract: `^${CONTRACT_VERSION}`,
      auth: { kind: 'apiKey', secrets: ['apiKey'] },
      actions: [{ key: 'create-note', kind: 'create' }],
    });

    // Packing the same files again gives the same bytes (fixed mtimes, sorted entries).
    const again = await runNode([cliPath, 'pack'], cwd);
    expect(again.stdout.trim().split('\n')[1]).toBe(integrity);
  }, 90_000);
});
