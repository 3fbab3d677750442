import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  buildKit,
  kitDir,
  rootDir,
  runNode,
  tscPath,
} from '../../connector-kit/src/cli/cli-test-support.js';

// docs/authoring.md stays true: its TypeScript blocks compile against the kit, inside a fresh
// scaffold, and its shell block is the tutorial that tutorial.test.ts runs verbatim.
const doc = path.join(rootDir, 'docs', 'authoring.md');
let work: string;

beforeAll(async () => {
  await buildKit();
  work = await mkdtemp(path.join(os.tmpdir(), 'junction-authoring-doc-'));
}, 60_000);
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

function blocks(markdown: string, language: string): string[] {
  const fence = new RegExp(`^\`\`\`${language}\\n([\\s\\S]*?)^\`\`\`$`, 'gm');
  return [...markdown.matchAll(fence)].map((m) => m[1] ?? '');
}

it('shows only the shell commands the tutorial test runs', async () => {
  const readme = await readFile(path.join(kitDir, 'README.md'), 'utf8');
  const tutorial = [...readme.matchAll(/<!-- tutorial -->\s*```sh\n([\s\S]*?)```/g)].map(
    (m) => m[1],
  );
  const shown = blocks(await readFile(doc, 'utf8'), 'sh');
  expect(shown.length).toBeGreaterThan(0);
  for (const block of shown) expect(tutorial).toContain(block);
});

it('has TypeScript blocks that compile against the kit in a fresh scaffold', async () => {
  const ts = blocks(await readFile(doc, 'utf8'), 'ts');
  expect(ts.length).toBeGreaterThanOrEqual(6);
  const templates = (await import(
    pathToFileURL(path.join(kitDir, 'dist', 'cli', 'templates.js')).href
  )) as typeof import('../../connector-kit/src/cli/templates.js');
  const plugin = path.join(work, 'acme-notes');
  const files = templates.scaffoldFiles({
    id: 'acme-notes',
    title: 'Acme Notes',
    kitRange: '^0.1.0',
    contractRange: '^1.4.0',
  });
  for (const [name, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(plugin, name)), { recursive: true });
    await writeFile(path.join(plugin, name), content);
  }
  // The blocks sit beside the scaffold's connector (the testing block imports './index.js').
  for (const [i, block] of ts.entries()) {
    await writeFile(path.join(plugin, 'src', `doc-block-${i}.ts`), block);
  }
  await symlink(path.join(rootDir, 'node_modules'), path.join(plugin, 'node_modules'), 'dir');
  const run = await runNode([tscPath, '-p', 'tsconfig.json'], plugin, 120_000);
  expect(run.stdout + run.stderr).toBe('');
  expect(run.code).toBe(0);
}, 150_000);
