import { posix } from 'node:path';
import { Parser, type ReadEntry, Unpack } from 'tar';
import { PluginError } from './plugin-error.js';
import type { ExtractLimits } from './plugin-source.js';

const ALLOWED_TYPES = new Set([
  'File',
  'OldFile',
  'ContiguousFile',
  'Directory',
  'SymbolicLink',
  'Link',
]);

/** The path inside the package (without npm's `package/` top folder), or a refusal. */
function stripTop(path: string): string {
  const parts = path.split('/');
  return parts.slice(1).join('/');
}

function unsafe(path: string, message: string): PluginError {
  return new PluginError('unsafe-entry', `The tarball entry ${JSON.stringify(path)} ${message}.`, {
    problems: [{ path, message }],
  });
}

/** Set-user-id, set-group-id and sticky: never wanted in a plugin, refused rather than stripped. */
const SPECIAL_BITS = 0o7000;

function describeSpecialBits(mode: number): string {
  const names = [
    [0o4000, 'set-user-id'],
    [0o2000, 'set-group-id'],
    [0o1000, 'sticky'],
  ] as const;
  return names
    .filter(([bit]) => (mode & bit) !== 0)
    .map(([, name]) => name)
    .join(', ');
}

/** Throws when one entry may not be extracted. */
function checkEntry(entry: ReadEntry): void {
  const raw = entry.path;
  const type = entry.type as string;
  const mode = entry.mode ?? 0;
  if ((mode & SPECIAL_BITS) !== 0) {
    throw unsafe(
      raw,
      `has the ${describeSpecialBits(mode)} bit set (mode ${mode.toString(8)}); plugins may not carry special permission bits`,
    );
  }
  if (raw.startsWith('/') || raw.startsWith('\\') || /^[A-Za-z]:/.test(raw)) {
    throw unsafe(raw, 'has an absolute path');
  }
  if (raw.split(/[\\/]/).includes('..')) throw unsafe(raw, 'has a ".." path segment');
  if (!ALLOWED_TYPES.has(type)) {
    throw unsafe(
      raw,
      `is a ${type} entry; only files, folders and links inside the package are allowed`,
    );
  }
  if (type === 'SymbolicLink' || type === 'Link') {
    const target = entry.linkpath ?? '';
    if (target.startsWith('/') || /^[A-Za-z]:/.test(target)) {
      throw unsafe(
        raw,
        `is a ${type === 'Link' ? 'hard link' : 'symbolic link'} to the absolute path ${target}`,
      );
    }
    // Symbolic links are relative to their folder; hard links to the archive root.
    const from = type === 'SymbolicLink' ? posix.dirname(stripTop(raw)) : '.';
    const relativeTarget = type === 'SymbolicLink' ? target : stripTop(target);
    const resolved = posix.normalize(posix.join('/pkg', from, relativeTarget));
    if (resolved !== '/pkg' && !resolved.startsWith('/pkg/')) {
      throw unsafe(
        raw,
        `is a ${type === 'Link' ? 'hard link' : 'symbolic link'} that points outside the package (${target})`,
      );
    }
  }
}

/** The path an entry is extracted to, for finding two entries that write the same file. */
function extractedPath(raw: string): string {
  return posix.normalize(stripTop(raw.replace(/\\/g, '/'))).replace(/\/+$/, '');
}

/**
 * Reads every header of the tarball without writing anything: refuses absolute paths, `..`,
 * links that point outside the package, device files and FIFOs, set-user-id, set-group-id and
 * sticky bits, two entries for the same path (the last would silently win: two `package.json`),
 * and more than the limits.
 */
export function scanTarball(bytes: Uint8Array, limits: ExtractLimits): Promise<void> {
  return new Promise((resolve, reject) => {
    let files = 0;
    let total = 0;
    const seen = new Map<string, string>();
    let failed = false;
    const fail = (error: PluginError) => {
      if (failed) return;
      failed = true;
      reject(error);
      parser.abort(error);
    };
    const parser = new Parser({
      strict: true,
      filter: (_path, entry) => {
        if (failed) return false;
        const readEntry = entry as ReadEntry;
        try {
          checkEntry(readEntry);
          const target = extractedPath(readEntry.path);
          const before = seen.get(target);
          if (before !== undefined && !(before === 'Directory' && readEntry.type === 'Directory')) {
            throw unsafe(
              readEntry.path,
              `is a second entry for ${JSON.stringify(target)}; a package holds each path once`,
            );
          }
          seen.set(target, readEntry.type as string);
          files += 1;
          total += readEntry.size ?? 0;
          if (files > limits.maxFiles) {
            throw new PluginError(
              'too-many-files',
              `The tarball has more than ${limits.maxFiles} entries, the limit.`,
            );
          }
          if (total > limits.maxBytes) {
            throw new PluginError(
              'too-large',
              `The tarball's files add up to more than ${limits.maxBytes} bytes, the limit (at ${JSON.stringify(readEntry.path)}).`,
            );
          }
        } catch (error) {
          fail(error as PluginError);
        }
        return false;
      },
    });
    parser.on('error', (error: Error) => {
      if (failed) return;
      const ratio = /decompression ratio/.test(error.message);
      fail(
        new PluginError(
          ratio ? 'too-large' : 'bad-package',
          ratio
            ? `The tarball decompresses to far more than its size (${error.message}); refused as a likely decompression bomb.`
            : `The upload is not a valid .tgz tarball: ${error.message}`,
          { cause: error },
        ),
      );
    });
    parser.on('end', () => {
      if (failed) return;
      if (files === 0) {
        fail(new PluginError('bad-package', 'The tarball is empty.'));
        return;
      }
      resolve();
    });
    parser.end(Buffer.from(bytes));
  });
}

/**
 * Extracts a plugin tarball into `dest` (an empty folder) after {@link scanTarball} accepted
 * it, stripping the top folder (`package/`). Entries are checked again while writing; nothing is
 * run. Throws a `PluginError` saying exactly why a tarball was refused.
 *
 * @example
 * ```ts
 * await extractTarball(bytes, stagingDir, { maxBytes: 50 << 20, maxFiles: 2000 });
 * ```
 */
export async function extractTarball(
  bytes: Uint8Array,
  dest: string,
  limits: ExtractLimits,
): Promise<void> {
  await scanTarball(bytes, limits);
  await new Promise<void>((resolve, reject) => {
    const unpack = new Unpack({
      cwd: dest,
      strip: 1,
      strict: true,
      preserveOwner: false,
      filter: (_path, entry) => {
        try {
          checkEntry(entry as ReadEntry);
          return true;
        } catch {
          return false;
        }
      },
    });
    unpack.on('error', (error: Error) =>
      reject(
        new PluginError('bad-package', `Extracting the tarball failed: ${error.message}`, {
          cause: error,
        }),
      ),
    );
    unpack.on('close', () => resolve());
    unpack.end(Buffer.from(bytes));
  });
}
