import { rm } from 'node:fs/promises';
import { type FetchedTarball, fetchPluginTarball } from './fetch-plugin-tarball.js';
import { PluginError } from './plugin-error.js';
import type { PluginSource } from './plugin-source.js';
import type { PluginStore, StagedPlugin } from './plugin-store.js';

/** A verified plugin ready to be recorded and committed, with the bytes to store. */
export interface PreparedInstall extends StagedPlugin {
  readonly tarball: FetchedTarball;
}

/** Options of {@link prepareInstall}. */
export interface PrepareInstallOptions {
  readonly store: PluginStore;
  readonly npmRegistry?: string;
  /**
   * Who owns a connector id already: `undefined` when free, else a sentence naming the owner
   * (`'a built-in plugin'`, `'the package acme-plugin'`). A taken id is refused (`id-clash`).
   */
  readonly ownerOf?: (id: string, packageName: string) => string | undefined;
  /** Whether `id@version` is installed already (refused as `already-installed`). */
  readonly installed?: (id: string, version: string) => boolean;
}

/**
 * Fetches, extracts (safely, in a staging folder) and verifies a plugin from any source. Nothing
 * is active yet: the caller records it and then calls `commit()`, or `discard()`. On refusal the
 * staging folder is already gone and the `PluginError` says why.
 *
 * @example
 * ```ts
 * const prepared = await prepareInstall({ kind: 'npm', spec: 'acme@^1' }, { store, npmRegistry });
 * try { await record(prepared); await prepared.commit(); } catch (e) { await prepared.discard(); throw e; }
 * ```
 */
export async function prepareInstall(
  source: PluginSource,
  options: PrepareInstallOptions,
): Promise<PreparedInstall> {
  const cacheDir = await options.store.tempDir();
  let tarball: FetchedTarball;
  try {
    tarball = await fetchPluginTarball(source, {
      cacheDir,
      ...(options.npmRegistry ? { npmRegistry: options.npmRegistry } : {}),
    });
  } finally {
    await rm(cacheDir, { recursive: true, force: true });
  }
  const refuse = (plugin: { id: string; version: string; packageName: string }) => {
    const owner = options.ownerOf?.(plugin.id, plugin.packageName);
    if (owner !== undefined) {
      throw new PluginError(
        'id-clash',
        `The connector id "${plugin.id}" belongs to ${owner}; a plugin cannot shadow another plugin's id.`,
      );
    }
    if (options.installed?.(plugin.id, plugin.version)) {
      throw new PluginError(
        'already-installed',
        `${plugin.id}@${plugin.version} is installed already; remove it first to reinstall.`,
      );
    }
  };
  // Refused from its manifest before its code loads; checked again on what the code declares.
  const staged = await options.store.stage(tarball.bytes, tarball.integrity, {
    beforeCode: refuse,
  });
  try {
    refuse(staged.plugin);
  } catch (error) {
    await staged.discard();
    throw error;
  }
  return { ...staged, tarball };
}
