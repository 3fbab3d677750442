import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type ConnectorDefinition, isConnectorDefinition } from '../define-connector.js';
import { CliError } from './cli-error.js';

/**
 * The `junction` block of a plugin's package.json.
 *
 * @example
 * ```ts
 * // "junction": { "connector": "./dist/index.js", "contract": "^1.0.0" }
 * ```
 */
export interface PluginPackageJson {
  readonly name: string;
  readonly version: string;
  readonly files?: readonly string[];
  readonly junction?: { readonly connector?: string; readonly contract?: string };
}

/**
 * A plugin folder with its package.json read and its built entry loaded.
 *
 * @example
 * ```ts
 * const { connector, pkg } = await loadPlugin('.');
 * ```
 */
export interface LoadedPlugin {
  readonly dir: string;
  readonly pkg: PluginPackageJson;
  readonly entry: string;
  readonly connector: ConnectorDefinition;
}

/**
 * Reads a plugin's package.json.
 *
 * @example
 * ```ts
 * const pkg = await readPluginPackage('./acme');
 * ```
 */
export async function readPluginPackage(dir: string): Promise<PluginPackageJson> {
  const file = resolve(dir, 'package.json');
  if (!existsSync(file)) {
    throw new CliError(`There is no package.json in ${dir}; run this in a plugin folder.`, 2);
  }
  try {
    return JSON.parse(await readFile(file, 'utf8')) as PluginPackageJson;
  } catch (error) {
    throw new CliError(`${file} is not valid JSON: ${(error as Error).message}`);
  }
}

/**
 * Loads the built entry named by `"junction": { "connector": ... }` and returns its connector
 * (the default export, or the export named `connector`).
 *
 * @example
 * ```ts
 * const { connector } = await loadPlugin('./acme');
 * ```
 */
export async function loadPlugin(dir: string): Promise<LoadedPlugin> {
  const pkg = await readPluginPackage(dir);
  const relative = pkg.junction?.connector;
  if (!relative) {
    throw new CliError(
      `package.json in ${dir} has no "junction": { "connector": "./dist/index.js" } entry.`,
    );
  }
  const entry = resolve(dir, relative);
  if (!existsSync(entry)) {
    throw new CliError(`The connector entry ${relative} does not exist; build the plugin first.`);
  }
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(entry).href)) as Record<string, unknown>;
  } catch (error) {
    throw new CliError(`Loading ${relative} failed: ${(error as Error).message}`);
  }
  const connector = [mod.default, mod.connector].find(isConnectorDefinition);
  if (!connector) {
    throw new CliError(
      `${relative} does not export a connector: export default defineConnector({ ... }).`,
    );
  }
  return { dir, pkg, entry, connector };
}
