/**
 * Where a plugin comes from.
 * - `folder`: a plugin folder on this machine (packed like `junction-kit pack`, `files` honoured);
 * - `tarball`: a `.tgz` file path;
 * - `bytes`: a `.tgz` already in memory (an upload);
 * - `npm`: `name@range` resolved through the configured npm registry;
 * - `index`: a plugin index JSON (file path or http(s) URL) listing versions, tarballs and sha512.
 * Built-in plugins are not installed: they are loaded from the plugins folder at start.
 */
export type PluginSource =
  | { readonly kind: 'folder'; readonly path: string }
  | { readonly kind: 'tarball'; readonly path: string; readonly integrity?: string }
  | {
      readonly kind: 'bytes';
      readonly bytes: Uint8Array;
      readonly integrity?: string;
      readonly name?: string;
    }
  | { readonly kind: 'npm'; readonly spec: string; readonly integrity?: string }
  | {
      readonly kind: 'index';
      readonly location: string;
      readonly id: string;
      /** A version or semver range; the highest matching version wins. Default: the highest. */
      readonly version?: string;
    };

/** The source kinds, as stored with each install. */
export type PluginSourceKind = PluginSource['kind'] | 'builtin';

/** Limits applied while a tarball is read and extracted. */
export interface ExtractLimits {
  /** Largest total of file sizes, in bytes (default 50 MiB). */
  readonly maxBytes: number;
  /** Most entries (files, folders, links) (default 2000). */
  readonly maxFiles: number;
}

/** The default {@link ExtractLimits}. */
export const DEFAULT_LIMITS: ExtractLimits = { maxBytes: 50 * 1024 * 1024, maxFiles: 2000 };
