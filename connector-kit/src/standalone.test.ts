import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildKit, kitDir, runNode } from './cli/cli-test-support.js';

async function sourceFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await sourceFiles(path)));
    else if (entry.name.endsWith('.ts')) out.push(path);
  }
  return out;
}

describe('connector-kit stands alone', () => {
  it('imports only itself, node built-ins and its declared dependencies', async () => {
    const pkg = JSON.parse(await readFile(join(kitDir, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    expect(Object.keys(pkg.dependencies).filter((d) => d.startsWith('@junction/'))).toEqual([]);
    const allowed = new Set([
      ...Object.keys(pkg.dependencies),
      'vitest',
      '@junction/connector-kit',
    ]);
    const offending: string[] = [];
    for (const file of await sourceFiles(resolve(kitDir, 'src'))) {
      const text = await readFile(file, 'utf8');
      for (const [, spec] of text.matchAll(/\bfrom '([^']+)'/g)) {
        if (!spec || spec.startsWith('.') || spec.startsWith('node:')) continue;
        const name = spec.startsWith('@')
          ? spec.split('/').slice(0, 2).join('/')
          : spec.split('/')[0];
        if (!allowed.has(name ?? '')) offending.push(`${file}: ${spec}`);
      }
    }
    expect(offending).toEqual([]);
  });

  it('does no work when imported: nothing printed, no handle keeps the process alive', async () => {
    await buildKit();
    const entries = ['index.js', 'testing/index.js'].map((f) => join(kitDir, 'dist', f));
    const script = `await Promise.all(${JSON.stringify(entries)}.map((f) => import(f)));`;
    const started = Date.now();
    const run = await runNode(['--input-type=module', '-e', script], kitDir, 10_000);
    expect(run).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
