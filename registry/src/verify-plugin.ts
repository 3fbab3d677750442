import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  buildManifest,
  type ConnectorDefinition,
  type ConnectorManifest,
  checkManifest,
  isConnectorDefinition,
  MANIFEST_FILE,
  manifestDrift,
  validateConnector,
} from '@junction/connector-kit';
import { PluginError } from './plugin-error.js';
import { checkContract, readPluginPackage } from './read-plugin-package.js';

/** A plugin whose code is loaded and whose manifest and definition were checked. */
export interface LoadedPlugin {
  readonly id: string;
  /** The package version: plugins are stored and pinned by it. */
  readonly version: string;
  readonly packageName: string;
  readonly dir: string;
  /** Absolute path of its connector entry. */
  readonly entry: string;
  readonly manifest: ConnectorManifest;
  readonly connector: ConnectorDefinition;
  /** Whether its code was loaded by `importConnector` (a plugin host) rather than in-process. */
  readonly isolated: boolean;
}

/** What a plugin host needs to import a plugin's connector entry. */
export interface ImportRequest {
  readonly dir: string;
  readonly entry: string;
  /** `<package name>@<version>`. */
  readonly label: string;
  readonly importTag?: string;
}

/** Who a plugin is, known from its package.json and manifest before any of its code runs. */
export interface PluginIdentity {
  /** The connector id its manifest declares. */
  readonly id: string;
  readonly version: string;
  readonly packageName: string;
}

/** How strictly to verify a folder. */
export interface VerifyOptions {
  /**
   * Whether `junction.manifest.json` must be present (installed plugins: yes; built-in plugins
   * get theirs generated when absent). When present it is always checked for drift.
   */
  readonly requireManifest: boolean;
  /** Appended to the entry URL so a re-installed version is imported afresh. */
  readonly importTag?: string;
  /**
   * Imports the connector somewhere else than this process (a plugin host) and answers the
   * definition it exports; by default it is imported here.
   */
  readonly importConnector?: (request: ImportRequest) => Promise<ConnectorDefinition>;
  /**
   * Checks that need no code (an id or version already taken), called with what the manifest
   * says before the plugin's code is loaded; throws to refuse it.
   */
  readonly beforeCode?: (plugin: PluginIdentity) => void;
}

/**
 * Verifies an extracted plugin folder and loads its code: package.json (no install scripts,
 * contract range), the manifest (shape, contract, agreement with the definition), the entry's
 * connector (`validateConnector`). Throws a `PluginError` saying exactly what is wrong.
 *
 * @example
 * ```ts
 * const plugin = await verifyPlugin('/data/plugins/acme/1.0.0', { requireManifest: true });
 * ```
 */
export async function verifyPlugin(dir: string, options: VerifyOptions): Promise<LoadedPlugin> {
  const pkg = await readPluginPackage(dir);
  const manifestFile = join(dir, MANIFEST_FILE);
  let stored: unknown;
  if (existsSync(manifestFile)) {
    try {
      stored = JSON.parse(await readFile(manifestFile, 'utf8'));
    } catch (error) {
      throw new PluginError(
        'bad-manifest',
        `${MANIFEST_FILE} is not valid JSON: ${(error as Error).message}`,
      );
    }
    const contract = (stored as { contract?: unknown } | null)?.contract;
    if (typeof contract === 'string') checkContract(contract, MANIFEST_FILE);
    const problems = checkManifest(stored);
    if (problems.length > 0) {
      throw new PluginError(
        'bad-manifest',
        `${MANIFEST_FILE} is not valid: ${problems.map((p) => `${p.path || '/'} ${p.message}`).join('; ')}.`,
        { problems },
      );
    }
    const version = (stored as ConnectorManifest).version;
    if (version !== pkg.version) {
      throw new PluginError(
        'bad-manifest',
        `${MANIFEST_FILE} says version ${version} but package.json says ${pkg.version}; repack with junction-kit pack.`,
      );
    }
  } else if (options.requireManifest) {
    throw new PluginError(
      'bad-manifest',
      `The package has no ${MANIFEST_FILE}; build it with "junction-kit pack", which generates it.`,
    );
  }

  if (options.beforeCode && stored !== undefined) {
    options.beforeCode({
      id: (stored as ConnectorManifest).id,
      version: pkg.version,
      packageName: pkg.name,
    });
  }
  const connector = options.importConnector
    ? await importElsewhere(options.importConnector, {
        dir,
        entry: pkg.entry,
        label: `${pkg.name}@${pkg.version}`,
        ...(options.importTag ? { importTag: options.importTag } : {}),
      })
    : await importConnector(pkg.entry, options.importTag);
  checkContract(connector.contract, 'the connector definition');
  const problems = validateConnector(connector);
  if (problems.length > 0) {
    throw new PluginError(
      'invalid-definition',
      `The connector definition is not valid: ${problems.map((p) => `${p.path || '/'} ${p.message}`).join('; ')}.`,
      { problems },
    );
  }
  if (stored !== undefined) {
    const drift = manifestDrift(stored, connector);
    if (drift.length > 0) {
      throw new PluginError(
        'bad-manifest',
        `${MANIFEST_FILE} does not match the connector definition at ${drift.slice(0, 10).join(', ')}; regenerate it with junction-kit pack.`,
        { problems: drift.map((path) => ({ path, message: 'differs from the definition' })) },
      );
    }
  }
  const manifest = buildManifest(connector);
  return {
    id: manifest.id,
    version: pkg.version,
    packageName: pkg.name,
    dir,
    entry: pkg.entry,
    manifest,
    connector,
    isolated: options.importConnector !== undefined,
  };
}

async function importElsewhere(
  importer: NonNullable<VerifyOptions['importConnector']>,
  request: ImportRequest,
): Promise<ConnectorDefinition> {
  if (!existsSync(request.entry)) {
    throw new PluginError(
      'bad-package',
      `The connector entry ${request.entry} does not exist in the package.`,
    );
  }
  return importer(request);
}

async function importConnector(
  entry: string,
  tag: string | undefined,
): Promise<ConnectorDefinition> {
  if (!existsSync(entry)) {
    throw new PluginError(
      'bad-package',
      `The connector entry ${entry} does not exist in the package.`,
    );
  }
  const url =
    pathToFileURL(entry).href +
    (tag ? `?plugin=${createHash('sha256').update(tag).digest('hex').slice(0, 16)}` : '');
  let mod: Record<string, unknown>;
  try {
    mod = (await import(url)) as Record<string, unknown>;
  } catch (error) {
    throw new PluginError(
      'load-failed',
      `Importing the connector entry failed: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  const connector = [mod.default, mod.connector].find(isConnectorDefinition);
  if (!connector) {
    throw new PluginError(
      'invalid-definition',
      'The connector entry exports no connector: export default defineConnector({ ... }).',
    );
  }
  return connector;
}
