import { existsSync } from 'node:fs';
import {
  mkdir,
  mkdtemp,
  readFile,
  readlink,
  rename,
  rm,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { extractTarball } from './extract-tarball.js';
import { PluginError } from './plugin-error.js';
import { DEFAULT_LIMITS, type ExtractLimits } from './plugin-source.js';
import {
  type LoadedPlugin,
  type PluginIdentity,
  type VerifyOptions,
  verifyPlugin,
} from './verify-plugin.js';

const INTEGRITY_FILE = '.junction-integrity';
const ID = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
const VERSION = /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;

/** A verified plugin in a staging folder, not yet active. */
export interface StagedPlugin {
  readonly plugin: LoadedPlugin;
  readonly integrity: string;
  /** Moves it to `<root>/<id>/<version>/`; returns that folder. */
  commit(): Promise<string>;
  /** Removes the staging folder: nothing is left behind. */
  discard(): Promise<void>;
}

/** Installed plugins on disk: `<root>/<id>/<version>/`, several versions side by side. */
export interface PluginStore {
  readonly root: string;
  /**
   * Extracts and verifies a tarball in a staging folder; on refusal nothing is left behind.
   * `beforeCode` refuses it from its manifest before any of its code is loaded.
   */
  stage(
    bytes: Uint8Array,
    integrity: string,
    options?: { readonly beforeCode?: (plugin: PluginIdentity) => void },
  ): Promise<StagedPlugin>;
  /**
   * Makes sure `<id>/<version>` is on disk with this integrity (extracting `bytes()` when not)
   * and loads it. Used by every process to materialise what the database says is installed.
   */
  materialise(entry: MaterialiseEntry): Promise<LoadedPlugin>;
  /** Removes `<id>/<version>` from disk. */
  remove(id: string, version: string): Promise<void>;
  /** A fresh folder under the staging area (for caches); the caller removes it. */
  tempDir(): Promise<string>;
}

export interface MaterialiseEntry {
  readonly id: string;
  readonly version: string;
  readonly integrity: string;
  /** Loads its code in this process even when the store imports elsewhere (a trusted version). */
  readonly inProcess?: boolean;
  bytes(): Promise<Uint8Array>;
}

/** Options of {@link createPluginStore}. */
export interface PluginStoreOptions {
  /** Usually `<dataDir>/plugins`. */
  readonly root: string;
  readonly limits?: ExtractLimits;
  /**
   * The connector-kit package folder plugins import (`@junction/connector-kit` is provided by
   * the host, linked at `<root>/node_modules/@junction/connector-kit`). Found by default.
   */
  readonly kitDir?: string;
  /** Where plugin code is imported (a plugin host); default: this process. */
  readonly importConnector?: VerifyOptions['importConnector'];
}

/**
 * Creates the on-disk store of installed plugins.
 *
 * @example
 * ```ts
 * const store = createPluginStore({ root: join(dataDir, 'plugins') });
 * const staged = await store.stage(bytes, integrity);
 * ```
 */
export function createPluginStore(options: PluginStoreOptions): PluginStore {
  const root = resolve(options.root);
  const limits = options.limits ?? DEFAULT_LIMITS;
  const staging = join(root, '.staging');
  let linked: Promise<void> | undefined;
  const prepare = () => {
    linked ??= ensureKitLink(root, options.kitDir ?? findKitDir());
    return linked;
  };
  const versionDir = (id: string, version: string) => {
    if (!ID.test(id) || !VERSION.test(version)) {
      throw new PluginError(
        'bad-package',
        `"${id}@${version}" is not a valid plugin id and version.`,
      );
    }
    return join(root, id, version);
  };

  const verify = (
    dir: string,
    integrity: string,
    more: { beforeCode?: VerifyOptions['beforeCode']; inProcess?: boolean } = {},
  ) =>
    verifyPlugin(dir, {
      requireManifest: true,
      importTag: integrity,
      ...(options.importConnector && !more.inProcess
        ? { importConnector: options.importConnector }
        : {}),
      ...(more.beforeCode ? { beforeCode: more.beforeCode } : {}),
    });
  const stage: PluginStore['stage'] = async (bytes, integrity, stageOptions = {}) => {
    await prepare();
    await mkdir(staging, { recursive: true });
    const dir = await mkdtemp(join(staging, 'p-'));
    const discard = () => rm(dir, { recursive: true, force: true });
    try {
      await extractTarball(bytes, dir, limits);
      const plugin = await verify(dir, integrity, {
        ...(stageOptions.beforeCode ? { beforeCode: stageOptions.beforeCode } : {}),
      });
      return {
        plugin,
        integrity,
        discard,
        async commit() {
          const target = versionDir(plugin.id, plugin.version);
          await writeFile(join(dir, INTEGRITY_FILE), integrity);
          await mkdir(dirname(target), { recursive: true });
          await rm(target, { recursive: true, force: true });
          await rename(dir, target);
          return target;
        },
      };
    } catch (error) {
      await discard();
      throw error;
    }
  };

  return {
    root,
    stage,
    async materialise(entry) {
      await prepare();
      const target = versionDir(entry.id, entry.version);
      const marker = await readFile(join(target, INTEGRITY_FILE), 'utf8').catch(() => undefined);
      if (marker === entry.integrity) {
        return verify(target, entry.integrity, { inProcess: entry.inProcess === true });
      }
      const staged = await stage(await entry.bytes(), entry.integrity);
      if (staged.plugin.id !== entry.id || staged.plugin.version !== entry.version) {
        await staged.discard();
        throw new PluginError(
          'bad-package',
          `The stored tarball holds ${staged.plugin.id}@${staged.plugin.version}, not ${entry.id}@${entry.version}.`,
        );
      }
      const dir = await staged.commit();
      return verify(dir, entry.integrity, { inProcess: entry.inProcess === true });
    },
    async remove(id, version) {
      await rm(versionDir(id, version), { recursive: true, force: true });
    },
    async tempDir() {
      await mkdir(staging, { recursive: true });
      return mkdtemp(join(staging, 't-'));
    },
  };
}

/** The folder of the @junction/connector-kit package this registry runs with. */
export function findKitDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'node_modules', '@junction', 'connector-kit');
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    const parent = dirname(dir);
    if (parent === dir)
      throw new Error('@junction/connector-kit is not installed next to the registry.');
    dir = parent;
  }
}

async function ensureKitLink(root: string, kitDir: string): Promise<void> {
  const link = join(root, 'node_modules', '@junction', 'connector-kit');
  const current = await readlink(link).catch(() => undefined);
  if (current === kitDir) return;
  await mkdir(dirname(link), { recursive: true });
  await rm(link, { recursive: true, force: true });
  await symlink(kitDir, link, 'dir').catch((error: NodeJS.ErrnoException) => {
    // Another process made it at the same moment.
    if (error.code !== 'EEXIST') throw error;
  });
}
