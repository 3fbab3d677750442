import type { ColumnType, Generated } from 'kysely';

/**
 * One installed plugin version: the database is the truth about what is installed, and holds
 * the tarball bytes so any process on any machine can materialise the same plugin.
 */
export interface PluginInstallsTable {
  id: string;
  version: string;
  package_name: string;
  /** `folder`, `tarball`, `bytes` (upload), `npm` or `index`. */
  source_kind: string;
  /** A path, a resolved tarball URL, an index location, `upload:<name>`. */
  source_location: string;
  /** `sha512-<base64>` of `tarball`. */
  integrity: string;
  manifest: ColumnType<unknown, string, string>;
  tarball: Buffer;
  size_bytes: number;
  enabled: Generated<boolean>;
  /** An operator trusted this exact version: it runs in Junction's process, not in a host. */
  trusted: Generated<boolean>;
  /** `loaded` or `failed` (with `error`), as last seen by a process that loaded it. */
  status: Generated<string>;
  error: ColumnType<unknown, string | null | undefined, string | null>;
  installed_by: string;
  installed_at: ColumnType<Date, Date | string | undefined, never>;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

export interface PluginTables {
  plugin_installs: PluginInstallsTable;
}
