import { existsSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findKitDir } from '@junction/registry';

/**
 * The compiled host entry. Junction runs from `dist/` in production; under a TypeScript runner
 * (tests) this module is `src/...ts` and the host still runs the compiled `dist/` files, which
 * `npm run build` (run by `npm install`, `npm start` and `npm test`) keeps current.
 */
export function hostEntryFile(): string {
  const here = fileURLToPath(import.meta.url);
  const compiled = here.endsWith('.ts')
    ? join(dirname(here), '..', '..', 'dist', 'plugin-hosts', 'host-entry.js')
    : join(dirname(here), 'host-entry.js');
  if (!existsSync(compiled)) {
    throw new Error(`The plugin host entry ${compiled} is missing; run "npm run build".`);
  }
  return compiled;
}

/** The node_modules folders a folder's code resolves packages from (its own and its parents'). */
export function nodeModulesOf(start: string): string[] {
  const found: string[] = [];
  for (let dir = start; ; dir = dirname(dir)) {
    const modules = join(dir, 'node_modules');
    if (existsSync(modules)) found.push(realpathSync(modules));
    if (dirname(dir) === dir) return found;
  }
}

let shared: readonly string[] | undefined;

/**
 * What every host may read besides its plugin's folder: the host's own compiled code and the
 * packages it loads (connector-kit and its dependencies), never Junction's data folder, key or
 * configuration.
 */
export function hostCodePaths(): readonly string[] {
  if (shared) return shared;
  const entry = realpathSync(hostEntryFile());
  const dist = dirname(dirname(entry));
  const kit = realpathSync(findKitDir());
  const paths = new Set<string>([join(dist, 'plugin-hosts'), join(dist, 'executor'), kit]);
  // Every node_modules folder the host's code and connector-kit resolve packages from.
  for (const start of [dist, kit]) {
    for (let dir = start; ; dir = dirname(dir)) {
      const modules = join(dir, 'node_modules');
      if (existsSync(modules)) paths.add(realpathSync(modules));
      if (dirname(dir) === dir) break;
    }
  }
  shared = [...paths];
  return shared;
}
