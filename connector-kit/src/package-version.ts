import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The `version` of the package a module belongs to (the nearest `package.json` above it), so a
 * plugin's version has one source, its package.json (since 1.4):
 *
 * ```ts
 * export default defineConnector({ id: 'acme', ..., version: packageVersion(import.meta.url) });
 * ```
 *
 * It reads that one small file, once, when the plugin's entry is imported. Throws when there is
 * no package.json with a version above the module.
 *
 * @example
 * ```ts
 * packageVersion(import.meta.url); // '0.1.0'
 * ```
 */
export function packageVersion(moduleUrl: string): string {
  const start = dirname(moduleUrl.startsWith('file:') ? fileURLToPath(moduleUrl) : moduleUrl);
  for (let dir = start; ; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const { version } = JSON.parse(readFileSync(file, 'utf8')) as { version?: unknown };
      if (typeof version === 'string' && version !== '') return version;
      throw new Error(`${file} has no "version".`);
    }
    if (dirname(dir) === dir) throw new Error(`No package.json above ${start}.`);
  }
}
