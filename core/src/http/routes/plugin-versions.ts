import { getConnInfo } from '@hono/node-server/conninfo';
import type { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { actorOf } from '../../auth/principal.js';
import type { CatalogueEntry } from '../../plugins/plugin-catalogue.js';
import type { PluginActor, PluginInstallSummary } from '../../plugins/plugin-service.js';
import { installIsolation } from '../../plugins/plugin-settings.js';
import type { PluginHost } from '../../plugins/start-plugins.js';
import type { AppEnv } from '../app-env.js';
import type { PluginSchema, PluginVersionSchema } from './plugin-schemas.js';

export type PluginJson = z.infer<typeof PluginSchema>;
export type PluginVersionJson = z.infer<typeof PluginVersionSchema>;

/** An installed version as the API and the console show it: where it runs, loaded here or not. */
export function fromInstall(s: PluginInstallSummary, host: PluginHost): PluginVersionJson {
  const here = host.catalogue.getConnector(s.id, s.version);
  return {
    ...s,
    isolation: installIsolation(host.settings, s.trusted),
    loadedHere: here !== undefined && here.source === 'installed',
  };
}

function fromBuiltin(e: CatalogueEntry): PluginVersionJson {
  return {
    id: e.id,
    version: e.version,
    packageName: e.packageName,
    source: { kind: 'builtin', location: e.plugin?.dir ?? '' },
    integrity: null,
    sizeBytes: null,
    enabled: true,
    trusted: true,
    isolation: e.isolation,
    status: e.status === 'failed' ? 'failed' : 'loaded',
    error: e.error ?? null,
    loadedHere: e.status === 'loaded',
    installedBy: 'system',
    installedAt: null,
  };
}

/** Every plugin (built-in and installed, or only `id`), each with its versions, by id. */
export async function allPlugins(host: PluginHost, id?: string): Promise<PluginJson[]> {
  const byId = new Map<string, PluginJson>();
  const add = (v: PluginVersionJson, builtin: boolean) => {
    const entry = byId.get(v.id) ?? { id: v.id, builtin, versions: [] };
    entry.versions.push(v);
    byId.set(v.id, entry);
  };
  for (const e of host.catalogue.list()) {
    if (e.source === 'builtin' && (id === undefined || e.id === id)) add(fromBuiltin(e), true);
  }
  for (const s of await host.service.listInstalls(id)) add(fromInstall(s, host), false);
  return [...byId.values()].sort((a, b) => a.id.localeCompare(b.id));
}

/** Who asks for a plugin change: the request's principal, its id and the client's address. */
export function pluginActor(c: Context<AppEnv>): PluginActor {
  let clientAddress: string | undefined;
  try {
    clientAddress = getConnInfo(c).remote.address;
  } catch {
    clientAddress = undefined;
  }
  return {
    actor: actorOf(c.get('principal')),
    requestId: c.get('requestId'),
    ...(clientAddress ? { clientAddress } : {}),
  };
}
