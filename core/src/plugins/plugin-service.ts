import {
  PluginError,
  type PluginSource,
  type PluginStore,
  prepareInstall,
} from '@junction/registry';
import { type Kysely, sql } from 'kysely';
import { recordAudit } from '../audit/record-audit.js';
import type { Database } from '../db/schema.js';
import type { PluginCatalogue } from './plugin-catalogue.js';
import { PLUGIN_CHANNEL } from './plugin-listener.js';
import { PluginOperationError } from './plugin-operation-error.js';
import { type PluginVersionUser, pluginVersionUsers } from './plugin-version-users.js';

/** Who asks for a change, recorded in the audit entry. */
export interface PluginActor {
  /** `token:<id>`, `cli:<user>`... */
  readonly actor: string;
  readonly requestId?: string;
  /** The client's address, when known. */
  readonly clientAddress?: string;
}

/** One installed version as the API shows it. */
export interface PluginInstallSummary {
  readonly id: string;
  readonly version: string;
  readonly packageName: string;
  readonly source: { readonly kind: string; readonly location: string };
  readonly integrity: string;
  readonly sizeBytes: number;
  readonly enabled: boolean;
  /** An operator trusted this exact version to run in Junction's process (see docs/security.md). */
  readonly trusted: boolean;
  readonly status: 'loaded' | 'failed';
  readonly error: { readonly kind: string; readonly message: string } | null;
  readonly installedBy: string;
  readonly installedAt: string;
}

/** Installs, removes, enables and disables plugins: database first, audited, announced. */
export interface PluginService {
  install(source: PluginSource, who: PluginActor): Promise<PluginInstallSummary>;
  remove(id: string, version: string, who: PluginActor): Promise<void>;
  setEnabled(
    id: string,
    version: string,
    enabled: boolean,
    who: PluginActor,
  ): Promise<PluginInstallSummary>;
  /**
   * Marks an installed version trusted (it runs in Junction's process) or not (plugin hosts);
   * audited as `plugin.trust` / `plugin.distrust`.
   */
  setTrusted(
    id: string,
    version: string,
    trusted: boolean,
    who: PluginActor,
  ): Promise<PluginInstallSummary>;
  /** Installed versions (not built-ins), by id then install time. */
  listInstalls(id?: string): Promise<PluginInstallSummary[]>;
}

export interface PluginServiceDeps {
  readonly db: Kysely<Database>;
  readonly store: PluginStore;
  readonly catalogue: PluginCatalogue;
  readonly npmRegistry: string;
  /** Called after each committed change so this process catches up at once. */
  readonly afterChange: () => Promise<void>;
  /** Who pins a version; defaults to {@link pluginVersionUsers}. */
  readonly versionUsers?: (
    db: Kysely<Database>,
    id: string,
    version: string,
    lastVersion: boolean,
  ) => Promise<PluginVersionUser[]>;
}

const summaryColumns = [
  'id',
  'version',
  'package_name',
  'source_kind',
  'source_location',
  'integrity',
  'size_bytes',
  'enabled',
  'trusted',
  'status',
  'error',
  'installed_by',
  'installed_at',
] as const;

type SummaryRow = {
  id: string;
  version: string;
  package_name: string;
  source_kind: string;
  source_location: string;
  integrity: string;
  size_bytes: number;
  enabled: boolean;
  trusted: boolean;
  status: string;
  error: unknown;
  installed_by: string;
  installed_at: Date;
};

function toSummary(row: SummaryRow): PluginInstallSummary {
  return {
    id: row.id,
    version: row.version,
    packageName: row.package_name,
    source: { kind: row.source_kind, location: row.source_location },
    integrity: row.integrity,
    sizeBytes: row.size_bytes,
    enabled: row.enabled,
    trusted: row.trusted,
    status: row.status === 'failed' ? 'failed' : 'loaded',
    error: (row.error as PluginInstallSummary['error']) ?? null,
    installedBy: row.installed_by,
    installedAt: new Date(row.installed_at).toISOString(),
  };
}

async function notify(db: Kysely<Database>, payload: Record<string, unknown>): Promise<void> {
  await sql`select pg_notify(${PLUGIN_CHANNEL}, ${JSON.stringify(payload)})`.execute(db);
}

/** Creates the plugin service over the database, the disk store and the catalogue. */
export function createPluginService(deps: PluginServiceDeps): PluginService {
  const { db, store, catalogue } = deps;
  const versionUsers = deps.versionUsers ?? pluginVersionUsers;

  /** Enables, disables, trusts or distrusts one installed version: one audited, notified change. */
  async function setFlag(
    id: string,
    version: string,
    flag: 'enabled' | 'trusted',
    value: boolean,
    who: PluginActor,
    op: 'enable' | 'disable' | 'trust' | 'distrust',
  ): Promise<PluginInstallSummary> {
    const row = await db.transaction().execute(async (trx) => {
      const before = await trx
        .selectFrom('plugin_installs')
        .select([flag, 'integrity'])
        .where('id', '=', id)
        .where('version', '=', version)
        .forUpdate()
        .executeTakeFirst();
      if (!before)
        throw new PluginOperationError(
          'not-found',
          `The plugin ${id}@${version} is not installed.`,
        );
      const updated = await trx
        .updateTable('plugin_installs')
        .set({ [flag]: value, updated_at: new Date() })
        .where('id', '=', id)
        .where('version', '=', version)
        .returning(summaryColumns)
        .executeTakeFirstOrThrow();
      await recordAudit(trx, {
        actor: who.actor,
        action: `plugin.${op}`,
        subjectType: 'plugin',
        subjectId: `${id}@${version}`,
        ...(who.requestId ? { requestId: who.requestId } : {}),
        data: {
          before: { [flag]: (before as Record<typeof flag, boolean>)[flag] },
          after: { [flag]: value },
          integrity: before.integrity,
          ...(who.clientAddress ? { clientAddress: who.clientAddress } : {}),
        },
      });
      await notify(trx, { op, id, version });
      return updated;
    });
    await deps.afterChange();
    return toSummary(row);
  }

  return {
    async install(source, who) {
      const rows = await db
        .selectFrom('plugin_installs')
        .select(['id', 'version', 'package_name'])
        .execute();
      const owners = new Map(rows.map((r) => [r.id, r.package_name]));
      const versions = new Set(rows.map((r) => `${r.id}@${r.version}`));
      const prepared = await prepareInstall(source, {
        store,
        npmRegistry: deps.npmRegistry,
        ownerOf: (id, packageName) => {
          const builtin = catalogue.builtinOwner(id);
          if (builtin) return `the built-in plugin ${builtin}`;
          const owner = owners.get(id);
          return owner !== undefined && owner !== packageName ? `the package ${owner}` : undefined;
        },
        // Both refused from the manifest, before any of the plugin's code loads.
        installed: (id, version) => versions.has(`${id}@${version}`),
      });
      const { plugin, tarball } = prepared;
      try {
        const row = await db.transaction().execute(async (trx) => {
          await sql`select pg_advisory_xact_lock(hashtext(${`plugin:${plugin.id}`}))`.execute(trx);
          const existing = await trx
            .selectFrom('plugin_installs')
            .select(['version', 'package_name'])
            .where('id', '=', plugin.id)
            .execute();
          const other = existing.find((r) => r.package_name !== plugin.packageName);
          if (other) {
            throw new PluginError(
              'id-clash',
              `The connector id "${plugin.id}" belongs to the package ${other.package_name}; a plugin cannot shadow another plugin's id.`,
            );
          }
          if (existing.some((r) => r.version === plugin.version)) {
            throw new PluginError(
              'already-installed',
              `${plugin.id}@${plugin.version} is installed already; remove it first to reinstall.`,
            );
          }
          const inserted = await trx
            .insertInto('plugin_installs')
            .values({
              id: plugin.id,
              version: plugin.version,
              package_name: plugin.packageName,
              source_kind: source.kind,
              source_location: tarball.location,
              integrity: tarball.integrity,
              manifest: JSON.stringify(plugin.manifest),
              tarball: tarball.bytes,
              size_bytes: tarball.bytes.length,
              installed_by: who.actor,
            })
            .returning(summaryColumns)
            .executeTakeFirstOrThrow();
          await recordAudit(trx, {
            actor: who.actor,
            action: 'plugin.install',
            subjectType: 'plugin',
            subjectId: `${plugin.id}@${plugin.version}`,
            ...(who.requestId ? { requestId: who.requestId } : {}),
            data: {
              id: plugin.id,
              version: plugin.version,
              packageName: plugin.packageName,
              source: { kind: source.kind, location: tarball.location },
              integrity: tarball.integrity,
              sizeBytes: tarball.bytes.length,
              ...(who.clientAddress ? { clientAddress: who.clientAddress } : {}),
            },
          });
          await notify(trx, { op: 'install', id: plugin.id, version: plugin.version });
          return inserted;
        });
        await prepared.commit();
        await deps.afterChange();
        return toSummary(row);
      } catch (error) {
        await prepared.discard();
        throw error;
      }
    },

    async remove(id, version, who) {
      await db.transaction().execute(async (trx) => {
        await sql`select pg_advisory_xact_lock(hashtext(${`plugin:${id}`}))`.execute(trx);
        const row = await trx
          .selectFrom('plugin_installs')
          .select(['integrity', 'package_name'])
          .where('id', '=', id)
          .where('version', '=', version)
          .executeTakeFirst();
        if (!row)
          throw new PluginOperationError(
            'not-found',
            `The plugin ${id}@${version} is not installed.`,
          );
        const others = await trx
          .selectFrom('plugin_installs')
          .select('version')
          .where('id', '=', id)
          .where('version', '!=', version)
          .where('enabled', '=', true)
          .execute();
        const users = await versionUsers(trx, id, version, others.length === 0);
        if (users.length > 0) {
          throw new PluginOperationError(
            'in-use',
            `${id}@${version} is used by ${users.map((u) => `integration ${u.id} (${u.name}) version ${u.integrationVersion}`).join(', ')}; move them to another version first.`,
            users,
          );
        }
        await trx
          .deleteFrom('plugin_installs')
          .where('id', '=', id)
          .where('version', '=', version)
          .execute();
        await recordAudit(trx, {
          actor: who.actor,
          action: 'plugin.remove',
          subjectType: 'plugin',
          subjectId: `${id}@${version}`,
          ...(who.requestId ? { requestId: who.requestId } : {}),
          data: {
            id,
            version,
            packageName: row.package_name,
            integrity: row.integrity,
            ...(who.clientAddress ? { clientAddress: who.clientAddress } : {}),
          },
        });
        await notify(trx, { op: 'remove', id, version });
      });
      await deps.afterChange();
    },

    setEnabled: (id, version, enabled, who) =>
      setFlag(id, version, 'enabled', enabled, who, enabled ? 'enable' : 'disable'),

    setTrusted: (id, version, trusted, who) =>
      setFlag(id, version, 'trusted', trusted, who, trusted ? 'trust' : 'distrust'),

    async listInstalls(id) {
      let query = db
        .selectFrom('plugin_installs')
        .select(summaryColumns)
        .orderBy('id')
        .orderBy('installed_at');
      if (id !== undefined) query = query.where('id', '=', id);
      return (await query.execute()).map(toSummary);
    },
  };
}
