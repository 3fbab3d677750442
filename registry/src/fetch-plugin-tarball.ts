import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { create } from 'tar';
import { checkIntegrity, integrityOf } from './integrity.js';
import { PluginError } from './plugin-error.js';
import { resolveIndexEntry } from './plugin-index.js';
import type { PluginSource } from './plugin-source.js';

/** A plugin tarball in memory, with where it came from and its sha512 integrity. */
export interface FetchedTarball {
  readonly bytes: Buffer;
  /** `sha512-<base64>` of `bytes`, checked against the source's when it gave one. */
  readonly integrity: string;
  /** Where it came from: a path, a resolved tarball URL, `upload:<name>`. */
  readonly location: string;
}

/** Settings for fetching: the npm registry and a cache folder pacote may use. */
export interface FetchOptions {
  /** npm registry URL for `npm` sources (default https://registry.npmjs.org/). */
  readonly npmRegistry?: string;
  /** Folder pacote may cache into; removed with the staging folder. */
  readonly cacheDir: string;
}

const FIXED_MTIME = new Date('1985-10-26T08:15:00.000Z');
const NPM_SPEC = /^(@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*(@[0-9A-Za-z.^~<>=|*x+ -]+)?$/;

/**
 * Reads a plugin's tarball from its source. Nothing is extracted or run here; lifecycle scripts
 * are never run (pacote only downloads; Junction extracts the bytes itself).
 *
 * @example
 * ```ts
 * const { bytes, integrity } = await fetchPluginTarball({ kind: 'npm', spec: 'acme@^1' }, { cacheDir });
 * ```
 */
export async function fetchPluginTarball(
  source: PluginSource,
  options: FetchOptions,
): Promise<FetchedTarball> {
  switch (source.kind) {
    case 'folder':
      return packFolder(source.path);
    case 'tarball': {
      const path = resolve(source.path);
      const bytes = await readFile(path).catch((error: unknown) => {
        throw new PluginError('fetch-failed', `Cannot read the tarball ${path}: ${message(error)}`);
      });
      return checked(bytes, source.integrity, path);
    }
    case 'bytes':
      return checked(Buffer.from(source.bytes), source.integrity, `upload:${source.name ?? 'tgz'}`);
    case 'npm':
      return fetchNpm(source.spec, source.integrity, options);
    case 'index': {
      const entry = await resolveIndexEntry(source.location, source.id, source.version);
      if (/^https?:\/\//.test(entry.tarball)) {
        return fetchWithPacote(entry.tarball, entry.integrity, options, entry.tarball);
      }
      const bytes = await readFile(entry.tarball).catch((error: unknown) => {
        throw new PluginError(
          'fetch-failed',
          `Cannot read ${entry.tarball} listed in the index: ${message(error)}`,
        );
      });
      return checked(bytes, entry.integrity, entry.tarball);
    }
  }
}

function checked(bytes: Buffer, expected: string | undefined, location: string): FetchedTarball {
  if (expected) checkIntegrity(bytes, expected, location);
  return { bytes, integrity: integrityOf(bytes), location };
}

async function fetchNpm(
  spec: string,
  integrity: string | undefined,
  options: FetchOptions,
): Promise<FetchedTarball> {
  if (!NPM_SPEC.test(spec.trim())) {
    throw new PluginError(
      'bad-package',
      `${JSON.stringify(spec)} is not an npm registry spec; write name@range (git, URL and file specs are not accepted).`,
    );
  }
  return fetchWithPacote(spec.trim(), integrity, options, undefined);
}

async function fetchWithPacote(
  spec: string,
  integrity: string | undefined,
  options: FetchOptions,
  location: string | undefined,
): Promise<FetchedTarball> {
  let bytes: Buffer & { resolved?: string };
  try {
    // Loaded on the first fetch: pacote and what it brings (sigstore, TUF, cacache...) hold a
    // few MB of memory that a Junction installing no plugin from npm never needs.
    const { default: pacote } = await import('pacote');
    bytes = await pacote.tarball(spec, {
      registry: options.npmRegistry ?? 'https://registry.npmjs.org/',
      cache: options.cacheDir,
      ...(integrity ? { integrity } : {}),
      preferOnline: true,
    });
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'EINTEGRITY') {
      throw new PluginError(
        'integrity',
        `The integrity of ${spec} does not match what its source declares: ${message(error)}`,
        { cause: error },
      );
    }
    if (code === 'E404' || code === 'ETARGET') {
      throw new PluginError('not-found', `${spec} was not found: ${message(error)}`, {
        cause: error,
      });
    }
    throw new PluginError('fetch-failed', `Fetching ${spec} failed: ${message(error)}`, {
      cause: error,
    });
  }
  const buffer = Buffer.from(bytes);
  if (integrity) checkIntegrity(buffer, integrity, spec);
  return {
    bytes: buffer,
    integrity: integrityOf(buffer),
    location: location ?? bytes.resolved ?? spec,
  };
}

/** Packs a plugin folder like `junction-kit pack` does (package.json `files`, manifest, README). */
async function packFolder(dir: string): Promise<FetchedTarball> {
  const root = resolve(dir);
  const pkgFile = join(root, 'package.json');
  if (!existsSync(pkgFile)) {
    throw new PluginError('bad-package', `There is no package.json in the folder ${root}.`);
  }
  let files: unknown;
  try {
    files = (JSON.parse(await readFile(pkgFile, 'utf8')) as { files?: unknown }).files;
  } catch (error) {
    throw new PluginError('bad-package', `${pkgFile} is not valid JSON: ${message(error)}`);
  }
  const wanted = new Set(['package.json', 'junction.manifest.json']);
  for (const f of Array.isArray(files) ? files : ['dist']) {
    if (typeof f === 'string') wanted.add(f.replace(/^\.\//, ''));
  }
  for (const name of await readdir(root)) {
    if (/^(readme|license|licence)(\.|$)/i.test(name)) wanted.add(name);
  }
  const list = [...wanted].filter((f) => existsSync(join(root, f))).sort();
  const chunks: Buffer[] = [];
  const stream = create(
    { gzip: true, cwd: root, prefix: 'package/', portable: true, mtime: FIXED_MTIME },
    list,
  );
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
  const bytes = Buffer.concat(chunks);
  return { bytes, integrity: integrityOf(bytes), location: root };
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
