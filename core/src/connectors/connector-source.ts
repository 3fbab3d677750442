import type { ConnectorDefinition } from '@junction/connector-kit';

/** One loaded connector at one version. */
export interface ResolvedConnector {
  readonly id: string;
  readonly version: string;
  readonly definition: ConnectorDefinition;
  /**
   * Where its code runs when not in this process: its folder and entry, for a plugin host (see
   * core/src/plugin-hosts). Absent: trusted, run in-process. `definition` is then the engine's
   * view of it (data, with stand-ins for its functions).
   */
  readonly isolated?: {
    readonly dir: string;
    readonly entry: string;
    readonly importTag?: string;
  };
}

/**
 * Where the engine finds connectors: the plugin catalogue in a running Junction, a fixed list in
 * tests. `get` without a version answers the newest enabled version.
 */
export interface ConnectorSource {
  get(id: string, version?: string): ResolvedConnector | undefined;
  /** Every enabled version of `id`, newest first. */
  versions(id: string): readonly string[];
}

/** A source over a fixed list of connector definitions (built-in plugins, tests). */
export function createStaticConnectorSource(
  definitions: readonly ConnectorDefinition[],
): ConnectorSource {
  const byId = new Map<string, ResolvedConnector[]>();
  for (const definition of definitions) {
    const list = byId.get(definition.id) ?? [];
    list.push({ id: definition.id, version: definition.version, definition });
    list.sort((a, b) => compareVersions(b.version, a.version));
    byId.set(definition.id, list);
  }
  return {
    get(id, version) {
      const list = byId.get(id);
      if (!list) return undefined;
      return version === undefined ? list[0] : list.find((c) => c.version === version);
    },
    versions(id) {
      return (byId.get(id) ?? []).map((c) => c.version);
    },
  };
}

function compareVersions(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}
