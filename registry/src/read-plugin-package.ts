import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { CONTRACT_VERSION, isContractSupported } from '@junction/connector-kit';
import semver from 'semver';
import { PluginError } from './plugin-error.js';

/** What Junction reads from a plugin's package.json. */
export interface PluginPackage {
  readonly name: string;
  readonly version: string;
  /** Absolute path of the connector entry (`junction.connector`). */
  readonly entry: string;
  /** The contract range the package declares (`junction.contract`). */
  readonly contract: string;
}

/** Scripts npm would run on install; a plugin declaring one is refused (Junction runs none). */
export const LIFECYCLE_SCRIPTS = ['preinstall', 'install', 'postinstall'] as const;

/**
 * Reads and checks a plugin folder's package.json: name, version, the `junction` block, no
 * lifecycle scripts, a contract range this kit's `CONTRACT_VERSION` satisfies.
 *
 * @example
 * ```ts
 * const pkg = await readPluginPackage('/data/plugins/acme/1.0.0');
 * ```
 */
export async function readPluginPackage(dir: string): Promise<PluginPackage> {
  const file = join(dir, 'package.json');
  if (!existsSync(file)) throw new PluginError('bad-package', 'The package has no package.json.');
  let pkg: Record<string, unknown>;
  try {
    pkg = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new PluginError(
      'bad-package',
      `package.json is not valid JSON: ${(error as Error).message}`,
    );
  }
  const { name, version } = pkg;
  if (typeof name !== 'string' || name === '') {
    throw new PluginError('bad-package', 'package.json has no "name".');
  }
  if (typeof version !== 'string' || !semver.valid(version)) {
    throw new PluginError(
      'bad-package',
      `package.json "version" ${JSON.stringify(version)} is not a semver version.`,
    );
  }
  const scripts = (pkg.scripts ?? {}) as Record<string, unknown>;
  const declared = LIFECYCLE_SCRIPTS.filter((s) => typeof scripts[s] === 'string');
  if (declared.length > 0) {
    throw new PluginError(
      'lifecycle-script',
      `The package declares the install script(s) ${declared.join(', ')}; Junction never runs install scripts, so plugins must not need them (bundle or prebuild instead).`,
      {
        problems: declared.map((s) => ({
          path: `/scripts/${s}`,
          message: 'install scripts are not allowed',
        })),
      },
    );
  }
  if (existsSync(join(dir, 'binding.gyp'))) {
    throw new PluginError(
      'lifecycle-script',
      'The package has a binding.gyp (a native build npm would run on install); Junction runs no install step.',
    );
  }
  const junction = pkg.junction as { connector?: unknown; contract?: unknown } | undefined;
  if (typeof junction?.connector !== 'string') {
    throw new PluginError(
      'bad-package',
      'package.json has no "junction": { "connector": "./dist/index.js", "contract": "^1.0.0" } block.',
    );
  }
  const entry = resolve(dir, junction.connector);
  if (!entry.startsWith(resolve(dir) + sep)) {
    throw new PluginError(
      'bad-package',
      `The connector entry ${junction.connector} is outside the package.`,
    );
  }
  if (typeof junction.contract !== 'string' || !semver.validRange(junction.contract)) {
    throw new PluginError(
      'incompatible-contract',
      `package.json "junction.contract" ${JSON.stringify(junction.contract)} is not a semver range.`,
    );
  }
  checkContract(junction.contract, 'package.json junction.contract');
  return { name, version, entry, contract: junction.contract };
}

/** Throws `incompatible-contract` unless this kit's contract version satisfies `range`. */
export function checkContract(range: string, where: string): void {
  const normalized = semver.valid(range) ? `^${range}` : range;
  if (!semver.satisfies(CONTRACT_VERSION, normalized) || !isContractSupported(range)) {
    throw new PluginError(
      'incompatible-contract',
      `The plugin targets contract ${range} (${where}), which this Junction's connector-kit contract ${CONTRACT_VERSION} does not satisfy.`,
    );
  }
}
