import { existsSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { PluginSource } from '@junction/registry';
import { junctionEgress } from '../egress/junction-egress.js';
import { createLogger } from '../log/create-logger.js';
import { installIsolation, pluginSettings } from '../plugins/plugin-settings.js';
import { type PluginHost, startPlugins } from '../plugins/start-plugins.js';
import { configFromFlags } from './flags.js';
import { openCommandDatabase } from './open-command-database.js';

/** The source a CLI argument names: a folder, a .tgz file, an index entry, or an npm spec. */
export function sourceFromArgument(
  argument: string,
  options: { index?: string; integrity?: string },
): PluginSource {
  if (options.index) {
    const at = argument.lastIndexOf('@');
    const [id, version] =
      at > 0 ? [argument.slice(0, at), argument.slice(at + 1)] : [argument, undefined];
    return { kind: 'index', location: options.index, id, ...(version ? { version } : {}) };
  }
  if (existsSync(argument) && statSync(argument).isDirectory())
    return { kind: 'folder', path: path.resolve(argument) };
  if (/\.(tgz|tar\.gz)$/.test(argument) && existsSync(argument)) {
    return {
      kind: 'tarball',
      path: path.resolve(argument),
      ...(options.integrity ? { integrity: options.integrity } : {}),
    };
  }
  return {
    kind: 'npm',
    spec: argument,
    ...(options.integrity ? { integrity: options.integrity } : {}),
  };
}

async function withPlugins<T>(
  command: string,
  options: Record<string, unknown>,
  run: (host: PluginHost) => Promise<T>,
): Promise<T> {
  const config = configFromFlags(options);
  const logger = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel);
  const { database, url, close } = await openCommandDatabase(config, logger, command);
  let host: PluginHost | undefined;
  try {
    const egress = await junctionEgress({
      allow: config.egressAllow,
      deny: config.egressDeny,
      apiPort: config.port,
      databaseUrl: url,
    });
    host = await startPlugins({
      db: database.db,
      databaseUrl: url,
      logger,
      settings: pluginSettings(config),
      egress: () => egress.rules,
    });
    return await run(host);
  } finally {
    await host?.close();
    await close();
  }
}

const actor = () => `cli:${os.userInfo().username}`;

/** `junction plugin install <source>`: installs and prints the id, version and integrity. */
export async function pluginInstallCommand(
  argument: string,
  options: Record<string, unknown>,
): Promise<void> {
  const source = sourceFromArgument(argument, {
    ...(typeof options.index === 'string' ? { index: options.index } : {}),
    ...(typeof options.integrity === 'string' ? { integrity: options.integrity } : {}),
  });
  const installed = await withPlugins('plugin install', options, (host) =>
    host.service.install(source, { actor: actor() }),
  );
  process.stdout.write(
    `Installed ${installed.id}@${installed.version} (${installed.packageName}) from ${installed.source.kind} ${installed.source.location}\nintegrity ${installed.integrity}\n`,
  );
}

/** `junction plugin list`: one line per plugin version, built-in ones included. */
export async function pluginListCommand(options: Record<string, unknown>): Promise<void> {
  const lines = await withPlugins('plugin list', options, async (host) => {
    const out: string[] = [];
    for (const e of host.catalogue.list().filter((e) => e.source === 'builtin')) {
      out.push(`${e.id}@${e.version}  built-in  ${e.status}  ${e.isolation}`);
    }
    for (const s of await host.service.listInstalls()) {
      out.push(
        `${s.id}@${s.version}  ${s.source.kind}  ${s.enabled ? s.status : 'disabled'}  ${installIsolation(host.settings, s.trusted)}${s.error ? `  ${s.error.message}` : ''}`,
      );
    }
    return out;
  });
  process.stdout.write(lines.length ? `${lines.join('\n')}\n` : 'No plugins.\n');
}

/** `junction plugin info <id>`: every version with its source, integrity and status. */
export async function pluginInfoCommand(
  id: string,
  options: Record<string, unknown>,
): Promise<void> {
  const text = await withPlugins('plugin info', options, async (host) => {
    const builtin = host.catalogue.list().find((e) => e.id === id && e.source === 'builtin');
    const installs = await host.service.listInstalls(id);
    if (!builtin && installs.length === 0)
      throw new Error(`No plugin with id ${id} is built in or installed.`);
    const out: string[] = [];
    if (builtin)
      out.push(
        `${id}@${builtin.version}: built-in (${builtin.packageName}), ${builtin.status}, ${builtin.isolation}`,
      );
    for (const s of installs) {
      out.push(
        `${id}@${s.version}: ${s.packageName}, ${s.enabled ? s.status : 'disabled'}, ${installIsolation(host.settings, s.trusted)}, from ${s.source.kind} ${s.source.location}, integrity ${s.integrity}, installed by ${s.installedBy} at ${s.installedAt}`,
      );
    }
    return out.join('\n');
  });
  process.stdout.write(`${text}\n`);
}

/** `junction plugin remove <id> <version>`: refused while integrations pin the version. */
export async function pluginRemoveCommand(
  id: string,
  version: string,
  options: Record<string, unknown>,
): Promise<void> {
  await withPlugins('plugin remove', options, (host) =>
    host.service.remove(id, version, { actor: actor() }),
  );
  process.stdout.write(`Removed ${id}@${version}.\n`);
}

/** `<id>@<version>` from a CLI argument, or a sentence saying what is missing. */
export function parseVersionedId(
  argument: string,
  command: string,
): { id: string; version: string } {
  const at = argument.lastIndexOf('@');
  const id = at > 0 ? argument.slice(0, at) : '';
  const version = at > 0 ? argument.slice(at + 1) : '';
  if (!id || !version) {
    throw new Error(
      `Name one exact installed version, as <id>@<version> (for example: junction plugin ${command} acme-crm@1.2.0); "${argument}" is not.`,
    );
  }
  return { id, version };
}

/**
 * `junction plugin trust|distrust <id>@<version>`: marks that exact installed version trusted (it
 * runs in Junction's process) or not (plugin hosts), audited with the operator as actor.
 */
export async function pluginTrustCommand(
  argument: string,
  trusted: boolean,
  options: Record<string, unknown>,
): Promise<void> {
  const command = trusted ? 'trust' : 'distrust';
  const { id, version } = parseVersionedId(argument, command);
  const text = await withPlugins(`plugin ${command}`, options, async (host) => {
    const installs = await host.service.listInstalls(id);
    if (installs.length === 0) {
      const builtin = host.catalogue.list().some((e) => e.id === id && e.source === 'builtin');
      throw new Error(
        builtin
          ? `${id} is built into Junction: built-in plugins are not marked trusted or distrusted (JUNCTION_PLUGIN_ISOLATION decides where they run).`
          : `No plugin with id ${id} is installed.`,
      );
    }
    if (!installs.some((s) => s.version === version)) {
      throw new Error(
        `${id} has no version ${version} installed; installed: ${installs.map((s) => s.version).join(', ')}.`,
      );
    }
    const summary = await host.service.setTrusted(id, version, trusted, { actor: actor() });
    const where = installIsolation(host.settings, summary.trusted);
    const done = `${trusted ? 'Trusted' : 'Distrusted'} ${id}@${version}`;
    if (where === 'trusted' && trusted) return `${done}: it runs in Junction's own process.`;
    if (where === 'isolated' && !trusted) return `${done}: it runs isolated in plugin hosts.`;
    return where === 'isolated'
      ? `${done}; it stays isolated in plugin hosts while JUNCTION_PLUGIN_ISOLATION is all.`
      : `${done}; it runs in Junction's own process all the same while JUNCTION_PLUGIN_ISOLATION is none.`;
  });
  process.stdout.write(`${text}\n`);
}
