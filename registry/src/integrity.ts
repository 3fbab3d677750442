import ssri from 'ssri';
import { PluginError } from './plugin-error.js';

/**
 * The `sha512-<base64>` integrity of some bytes, as npm and `junction-kit pack` write it.
 *
 * @example
 * ```ts
 * integrityOf(await readFile('acme-1.0.0.tgz')); // 'sha512-...'
 * ```
 */
export function integrityOf(bytes: Uint8Array): string {
  return ssri.fromData(Buffer.from(bytes), { algorithms: ['sha512'] }).toString();
}

/**
 * Throws a `PluginError` of kind `integrity` unless `bytes` match `expected` (an SRI string,
 * which must carry a sha512 hash).
 *
 * @example
 * ```ts
 * checkIntegrity(bytes, 'sha512-...', 'the uploaded tarball');
 * ```
 */
export function checkIntegrity(bytes: Uint8Array, expected: string, what: string): void {
  const parsed = ssri.parse(expected, { single: false });
  if (!parsed || !('sha512' in parsed) || !parsed.sha512?.length) {
    throw new PluginError(
      'integrity',
      `The integrity given for ${what} (${JSON.stringify(expected)}) is not a sha512 SRI string ("sha512-<base64>").`,
    );
  }
  if (ssri.checkData(Buffer.from(bytes), expected, { pickAlgorithm: () => 'sha512' }) === false) {
    throw new PluginError(
      'integrity',
      `The integrity of ${what} does not match: expected ${expected}, got ${integrityOf(bytes)}.`,
    );
  }
}
