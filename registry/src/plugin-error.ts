/**
 * Why a plugin was refused or failed. Each kind has one cause an operator can act on:
 * - `integrity`: the bytes do not match the sha512 integrity the source gave;
 * - `unsafe-entry`: the tarball holds an absolute path, a `..` path, a link that points outside
 *   the package, or a device file / FIFO;
 * - `too-large` / `too-many-files`: over the configured extraction limits;
 * - `lifecycle-script`: package.json declares preinstall/install/postinstall scripts;
 * - `bad-package`: no or invalid package.json, no `junction.connector` entry, a bad spec;
 * - `bad-manifest`: `junction.manifest.json` missing, not JSON, malformed, or not what the
 *   definition generates (drift);
 * - `incompatible-contract`: the plugin's contract range does not accept this kit's version;
 * - `invalid-definition`: the entry does not export a valid connector;
 * - `id-clash`: the id belongs to a built-in plugin or another package;
 * - `already-installed`: this id and version are installed already;
 * - `not-found`: the source has no such plugin or version;
 * - `fetch-failed`: the source could not be read (network, registry, file);
 * - `load-failed`: importing the entry threw.
 */
export type PluginErrorKind =
  | 'integrity'
  | 'unsafe-entry'
  | 'too-large'
  | 'too-many-files'
  | 'lifecycle-script'
  | 'bad-package'
  | 'bad-manifest'
  | 'incompatible-contract'
  | 'invalid-definition'
  | 'id-clash'
  | 'already-installed'
  | 'not-found'
  | 'fetch-failed'
  | 'load-failed';

/** One located problem (a JSON pointer into the manifest or definition, or a tar entry path). */
export interface PluginProblem {
  readonly path: string;
  readonly message: string;
}

/**
 * A refused or failed plugin, with a `kind` the caller acts on and a sentence saying exactly why.
 *
 * @example
 * ```ts
 * try { await stagePlugin(...) } catch (e) { if (e instanceof PluginError && e.kind === 'integrity') ... }
 * ```
 */
export class PluginError extends Error {
  readonly kind: PluginErrorKind;
  readonly problems: readonly PluginProblem[];
  constructor(
    kind: PluginErrorKind,
    message: string,
    options: { problems?: readonly PluginProblem[]; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PluginError';
    this.kind = kind;
    this.problems = options.problems ?? [];
  }
}

/** Whether a value is a {@link PluginError} (across module copies too). */
export function isPluginError(value: unknown): value is PluginError {
  return (
    value instanceof PluginError ||
    (value instanceof Error && value.name === 'PluginError' && 'kind' in value)
  );
}
