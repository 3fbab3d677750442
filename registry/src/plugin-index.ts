import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import semver from 'semver';
import { PluginError } from './plugin-error.js';

/**
 * A plugin index: a JSON document (a file or an http(s) URL) a company serves as its private
 * catalogue. Tarball locations may be absolute URLs, or paths relative to the index itself.
 *
 * @example
 * ```json
 * { "plugins": [ { "id": "acme-crm", "versions": [
 *   { "version": "1.2.0", "tarball": "acme-crm-1.2.0.tgz", "integrity": "sha512-..." } ] } ] }
 * ```
 */
export interface PluginIndex {
  readonly plugins: readonly {
    readonly id: string;
    readonly description?: string;
    readonly versions: readonly {
      readonly version: string;
      readonly tarball: string;
      readonly integrity: string;
    }[];
  }[];
}

/** One version chosen from an index, its tarball location resolved. */
export interface IndexEntry {
  readonly id: string;
  readonly version: string;
  /** An http(s) URL or an absolute file path. */
  readonly tarball: string;
  readonly integrity: string;
}

const MAX_INDEX_BYTES = 5 * 1024 * 1024;

/**
 * Reads an index and picks the highest version of `id` matching `range` (any when omitted).
 * Every entry must carry a sha512 integrity: an index without one is refused.
 *
 * @example
 * ```ts
 * const entry = await resolveIndexEntry('https://plugins.example.com/index.json', 'acme-crm', '^1');
 * ```
 */
export async function resolveIndexEntry(
  location: string,
  id: string,
  range?: string,
): Promise<IndexEntry> {
  const index = await readIndex(location);
  const plugin = index.plugins.find((p) => p.id === id);
  if (!plugin) throw new PluginError('not-found', `The index ${location} lists no plugin "${id}".`);
  const wanted = range?.trim() || '*';
  if (!semver.validRange(wanted)) {
    throw new PluginError('bad-package', `${JSON.stringify(range)} is not a version or range.`);
  }
  const best = plugin.versions
    .filter((v) => semver.valid(v.version) && semver.satisfies(v.version, wanted))
    .sort((a, b) => semver.rcompare(a.version, b.version))[0];
  if (!best) {
    throw new PluginError(
      'not-found',
      `The index ${location} has no version of "${id}" matching ${wanted} (it lists ${plugin.versions.map((v) => v.version).join(', ') || 'none'}).`,
    );
  }
  if (typeof best.integrity !== 'string' || !best.integrity.startsWith('sha512-')) {
    throw new PluginError(
      'integrity',
      `The index entry for ${id}@${best.version} has no sha512 integrity; an index must give one for every tarball.`,
    );
  }
  if (typeof best.tarball !== 'string' || best.tarball === '') {
    throw new PluginError(
      'bad-package',
      `The index entry for ${id}@${best.version} has no tarball.`,
    );
  }
  return {
    id,
    version: best.version,
    integrity: best.integrity,
    tarball: locate(location, best.tarball),
  };
}

function locate(indexLocation: string, tarball: string): string {
  if (/^https?:\/\//.test(tarball)) return tarball;
  if (/^https?:\/\//.test(indexLocation)) return new URL(tarball, indexLocation).toString();
  if (tarball.startsWith('file:')) return fileURLToPath(tarball);
  const base = indexLocation.startsWith('file:') ? fileURLToPath(indexLocation) : indexLocation;
  return isAbsolute(tarball) ? tarball : resolve(dirname(resolve(base)), tarball);
}

async function readIndex(location: string): Promise<PluginIndex> {
  let text: string;
  try {
    if (/^https?:\/\//.test(location)) {
      const response = await fetch(location, { signal: AbortSignal.timeout(30_000) });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      text = await response.text();
    } else {
      const path = location.startsWith('file:') ? fileURLToPath(location) : resolve(location);
      text = await readFile(path, 'utf8');
    }
  } catch (error) {
    throw new PluginError(
      'fetch-failed',
      `Cannot read the plugin index ${location}: ${(error as Error).message}`,
    );
  }
  if (text.length > MAX_INDEX_BYTES) {
    throw new PluginError('too-large', `The plugin index ${location} is over 5 MiB.`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new PluginError(
      'bad-package',
      `The plugin index ${location} is not JSON: ${(error as Error).message}`,
    );
  }
  const plugins = (value as { plugins?: unknown } | null)?.plugins;
  if (
    !Array.isArray(plugins) ||
    !plugins.every(
      (p) =>
        typeof p === 'object' &&
        p !== null &&
        typeof p.id === 'string' &&
        Array.isArray(p.versions),
    )
  ) {
    throw new PluginError(
      'bad-package',
      `The plugin index ${location} must be { "plugins": [ { "id", "versions": [ { "version", "tarball", "integrity" } ] } ] }.`,
    );
  }
  return value as PluginIndex;
}
